*** Settings ***
Documentation       One of three suites pabot runs at once on two clusters, each process a
...                 whole cluster through a value set; the one that comes last waits for a
...                 release (atest/cluster/valuesets.robot).

Resource            valuesets.resource


*** Test Cases ***
Loads A Cluster Of Its Own (first)
    [Timeout]    3 min
    Load A Cluster Of Its Own    /api/echo
    [Teardown]    Release Value Set
