"""Renderers: every command's results as text, JSON, Markdown, JUnit or GitHub annotations; they compute nothing."""
