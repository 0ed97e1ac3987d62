*** Settings ***
Documentation       The gateway under test starts, stays healthy and stops cleanly.

Resource            ../../resources/gateway.resource

Suite Setup         Start The Gateway Under Test
Suite Teardown      Stop All Gateways

Test Tags           gateway    smoke


*** Test Cases ***
The Gateway Answers Its Health Check
    Gateway Should Be Healthy    ${GATEWAY}

The Gateway Stays Healthy After A Restart
    Stop Gateway    ${GATEWAY}
    Start The Gateway Under Test
    Gateway Should Be Healthy    ${GATEWAY}
    [Teardown]    Stop All Gateways
