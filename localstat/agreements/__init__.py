"""Local agreements: negotiated local targets, Local PSAs, accountability agreements, trajectories."""
