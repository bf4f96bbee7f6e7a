"""The SLA policy, the milestone rules and their states."""
