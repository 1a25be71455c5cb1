"""Files: which ones a scan reads (discovery, git), and reading them safely (source, readfile)."""
