"""The chat core: what a message or a button means, and the reply to it, with no transport.

The console and Telegram front ends both call it; it imports neither ``telegram`` nor ``etl``.
"""
