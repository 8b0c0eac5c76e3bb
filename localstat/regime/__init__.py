"""Consequences: published trigger rules, freedoms, rewards, payments and the intervention ladder."""
