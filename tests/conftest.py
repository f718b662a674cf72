import sys
from pathlib import Path

# Make tests/ helpers (catalog_entries) and the repository root importable.
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
