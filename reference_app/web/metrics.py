"""Placeholder: filled in by the part of issue 4 that builds it."""

from fastapi import APIRouter

router = APIRouter()
