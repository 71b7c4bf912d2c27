"""escsim: escalation-risk simulation of US-militia-Iran tit-for-tat exchanges."""

__version__ = "0.1.0"
