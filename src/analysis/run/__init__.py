"""Run: build data/processed, execute the notebooks (papermill engine), render HTML, run batches, write the index pages."""
