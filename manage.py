#!/usr/bin/env python
from openhall.cli import main

if __name__ == "__main__":
    main()
