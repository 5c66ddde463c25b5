"""The game's scenes: menu, briefing, dashboard, decision card, confirmation, debrief."""
