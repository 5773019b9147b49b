"""Forwarding complaints to the agencies that must act: e-mail, signed webhook, Open311."""
