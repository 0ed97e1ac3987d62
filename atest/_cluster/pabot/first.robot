*** Settings ***
Documentation       One of two suites pabot runs at once on one shared cluster
...                 (atest/cluster/pabot.robot).

Resource            shared_cluster.resource


*** Test Cases ***
Loads The Shared Cluster Alone (first)
    [Timeout]    3 min
    Load The Shared Cluster
    [Teardown]    Release Locks
