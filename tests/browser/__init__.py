"""Real-browser tests: a real Home Assistant process driven through headless chromium."""
