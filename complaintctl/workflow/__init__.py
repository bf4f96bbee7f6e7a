"""The steps of a complaint, linking, escalation, retention, notice and policy loading."""
