"""Sources: read what arrives in data/raw (the framework catalogues, force trackers, official statistics files) into validated tables."""
