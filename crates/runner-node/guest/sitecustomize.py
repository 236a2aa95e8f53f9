# Installed by runner-node as the guest's site-packages/sitecustomize.py (read-only): every
# program starts in its working directory, as `cd /work && python -c CODE` would.
import os

os.chdir("/work")
