"""ftgate: a safety gate for Azure OpenAI fine-tuning (the library behind the app and CLI)."""
