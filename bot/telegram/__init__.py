"""The Telegram front end: the PTB application and its handlers, the Bot API client, the
webhook server, flood control and the webhook workers."""
