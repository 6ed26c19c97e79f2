"""An import-heavy app: ~20 stdlib modules, as a typical CLI pulls in."""
import argparse
import asyncio
import csv
import dataclasses
import datetime
import decimal
import email.message
import http.client
import json
import logging
import pathlib
import sqlite3
import subprocess
import tempfile
import typing
import unittest
import urllib.request
import xml.etree.ElementTree

print(len(json.dumps({"ok": True})))
