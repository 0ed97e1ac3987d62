*** Settings ***
Documentation       Every test in this folder measures alone: under pabot, it waits for the
...                 measurement lock before it starts and releases it when it ends, so no two
...                 tests put load on the machine at once (see docs/suites.md).

Resource            ../../resources/suite.resource

Test Setup          Take The Measurement Lock
Test Teardown       Release The Measurement Lock
