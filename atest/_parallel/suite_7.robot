*** Settings ***
Documentation       Parallel suite 7 of 8.

Resource            parallel.resource

Suite Setup         Start Gateway    alias=own
Suite Teardown      Stop All Gateways


*** Test Cases ***
Talks Only To Its Own Gateway
    Only The Own Gateway Answers    suite-7
