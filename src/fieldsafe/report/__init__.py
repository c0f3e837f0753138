"""PDF summaries for officials (coming with the reports issue)."""
