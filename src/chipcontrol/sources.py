"""Sources (the articles in seeds/ and the legal instruments) and the citations that quote them."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import PurePosixPath, PureWindowsPath

from pydantic import Field, field_validator, model_validator

from .provenance import Confidence, IsoDate, PartialDate, Strict


class SourceKind(str, Enum):
    ARTICLE = "article"
    INSTRUMENT = "instrument"


class Source(Strict):
    """A document a rule cites: a news article we hold in seeds/, or a legal instrument cited officially."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$", description="Stable id used by citations.")
    kind: SourceKind
    title: str = Field(description="English title (written by us for articles).")
    original_title: str | None = Field(default=None, description="Title in the source language, where it has one.")
    publisher: str | None = Field(default=None, description="Publisher, where the text names one; null otherwise.")
    published: PartialDate | None = Field(default=None, description="Publication date with its precision.")
    language: str = Field(default="en", pattern=r"^[a-z]{2}$")
    file: str | None = Field(default=None, description="Articles: file name in seeds/.")
    sha256: str | None = Field(default=None, description="Articles: SHA-256 of the file, checked on load.")
    citation: str | None = Field(default=None, description="Instruments: official citation, e.g. '88 FR 73458'.")
    document_number: str | None = Field(default=None, description="Instruments: FR Doc number or SEC accession.")
    url: str | None = None
    confidence: Confidence = Confidence.SECONDARY
    note: str | None = None

    @field_validator("file")
    @classmethod
    def _inside_seeds(cls, file: str | None) -> str | None:
        """An article's file is a relative path that stays in the seeds folder: no '..', no root or drive."""
        if file is not None and (
            "\x00" in file or any(p.anchor or ".." in p.parts for p in (PurePosixPath(file), PureWindowsPath(file)))
        ):
            raise ValueError("`file` must be a path inside the seeds folder (relative, without '..')")
        return file

    @model_validator(mode="after")
    def _kind_fields(self) -> Source:
        if self.kind is SourceKind.ARTICLE and not self.file:
            raise ValueError("an article needs `file` (its name in seeds/)")
        if self.kind is SourceKind.INSTRUMENT and not self.citation:
            raise ValueError("an instrument needs `citation` (its official citation)")
        return self


class CitationSpec(Strict):
    """A citation as written in a rule file: a source id and, for articles, a verbatim quote."""

    source: str = Field(description="Id of a source in sources.yaml.")
    quote: str | None = Field(
        default=None, description="Verbatim text; checked against the article (whitespace-normalised)."
    )
    english: str | None = Field(default=None, description="Our English rendering of a non-English quote.")
    locator: str | None = Field(default=None, description="Where in the source: section, page, paragraph.")
    note: str | None = None


class Announcement(Strict):
    """When a dated change (a rule, a list entry, a group membership) became public, and the source that says so.
    Absent, the change is taken as public on the day it took effect (nothing is known before it applies)."""

    date: IsoDate = Field(description="The day the rule text or the notice became public (released, announced or "
                          "published); never after the change takes effect.")
    source: str = Field(description="Id of a source in sources.yaml that gives or shows this date.")
    note: str | None = Field(default=None, description="Which date this is (release, public inspection, publication).")


class Citation(Strict):
    """A citation as a verdict shows it: the quote with what an auditor needs to find the source."""

    source_id: str
    quote: str | None = None
    english: str | None = None
    locator: str | None = None
    kind: SourceKind
    title: str
    publisher: str | None = None
    published: str | None = Field(default=None, description="Publication date as precise as known.")
    official_citation: str | None = None
    url: str | None = None
    file: str | None = Field(default=None, description="Articles: path of the text, relative to the project.")
    quote_checked: bool = Field(description="True when the quote was found in the source text we hold.")


_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Collapse white space (including non-breaking spaces) and unify apostrophes, for quote checks."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return _SPACE.sub(" ", text).strip()
