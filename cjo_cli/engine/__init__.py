"""Engines: what cjo computes from an event log (funnels; the journey replay later)."""
