"""Staff names out, role titles in: what the public version of a plan says about people.

Seed 002: the published plans "have been altered to take out staff names". Dropping the
name columns is not enough: narratives, history and evidence descriptions mention people
("Jane Okafor chased estates"). ``Redactor.text`` rewrites any free text so that

- a user's email address, username, full name ("Jane Okafor", "Okafor, Jane",
  "J. Okafor", "Dr Okafor") or surname or first name on its own becomes that person's
  role title ("Director of Nursing (DoN)", "Action lead (Maternity)");
- any other email address becomes "[email address removed]";
- any web address becomes "[link removed]" (internal links often carry a name, and the
  public cannot open them anyway).

A first name or surname that is also an everyday word (Green, Ward, Hall, May, Will, …,
and the plan's own vocabulary) is replaced only as part of a full name, email or
username: replacing every "ward" in a hospital's plan would make it unreadable. The
preview lists the words kept for that reason, so the PMO can check them before publishing.
Matching ignores case; two people sharing a name both become "a member of staff".

People are known by every name the history recorded for them, not only today's: the
actor's name on each entry and the names in changes of action lead, as they were when
written. A renamed user's old name takes their current title; a deleted user's name
becomes "a member of staff".

A trust has thousands of staff accounts, so names are not tried one by one: every way of
writing each person's name is a key in a dictionary of word sequences, and the text is
split into words once and read left to right, one lookup per word (known email addresses
likewise, looked up around each "@"). The cost grows with the text, not with the number
of people; ``Redactor.leaks``, the final check before publishing, reads the same way.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth import get_user_model

from actions import history
from actions.models import (
    Action,
    ExecRole,
    FindingKind,
    HistoryEntry,
    KeyQuestion,
    Plan,
    Role,
    Status,
)
from improvement import text as typed

from .glossary import DEFAULT_GLOSSARY

SOMEONE = "a member of staff"
EMAIL_REMOVED = "[email address removed]"
LINK_REMOVED = "[link removed]"

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# A link ends before trailing punctuation: "see www.x.nhs.uk/a; then" keeps its ";".
URL = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]", re.IGNORECASE
)
# Words are runs of letters and digits, not underscores: "jane_okafor" is two words.
WORD = re.compile(r"[^\W_]+")
# Between the words of a name: a space, a dot, a comma, an underscore or a hyphen (1 to 3).
JOIN = re.compile(r"[\s.,_-]{1,3}")
# "Dr Okafor": the title goes with the name it precedes.
HONORIFICS = frozenset("dr mr mrs ms miss mx prof professor sister matron".split())
AFTER_HONORIFIC = re.compile(r"\.?\s+")
# Cheap tests before the address patterns run.
MAYBE_URL = re.compile(r"://|www\.", re.IGNORECASE)

# Names that are also everyday words, in a hospital's plan above all. Such a name alone is
# left as it is; as part of a full name, an email or a username it is still replaced.
EVERYDAY_WORDS = frozenset(
    """
    a an and are as at be by do go he if in is it me my no of on or so to up us we am
    all any can had has her him his its may might must not now one our out own say see
    she the too two use was way who why yes yet you will would shall should could did
    about after again also back been best both came come day days done down each even
    ever far few first from full gave get give good great had hand have here high home
    how into just keep kind last late least less like line little long look made main
    make many march april june july august mark more most much name near new next
    night nor off old only open other over part past per place plan point right round
    same set shall short side small some soon still such sure take than that then
    there these they thing this those three through time today under until upon very
    well were what when where which while whole with within without work year young
    amber black blue brown gold golden gray green grey orange pink purple red rose
    ruby scarlet silver violet white
    april may june august autumn spring summer winter frost snow rain storm
    angel bliss charity faith grace honor honour hope joy love mercy patience prudence
    bill bob dick frank jack jay mark max pat ray rich rob sue will wes
    baker bell bishop brook brooks butcher carpenter carter chamberlain church clay
    cook cooper cross dean duke earl field fields fish fisher fletcher ford forest
    fox friend gardener gate gates glass hall hart hay head hill holly house hunt
    hunter king knight lamb lane law lawyer lord mason mayor marsh miller moss nash
    page parker parsons pope porter rice rivers shepherd short singer stone street
    swan taylor tanner turner walker wall ward waters webb west wood woods wolf young
    lead leads leader action actions board exec executive director manager matron
    nurse nurses nursing doctor doctors sister staff team care health trust safe
    caring effective responsive governance training risk medicine surgery maternity
    theatre theatres outpatients pharmacy estates finance quality safety audit ward
    wards unit clinic service services patient patients people public admin pmo
    reviewer user
    """.split()
)


def _vocabulary() -> frozenset[str]:
    """The product's own words (RAGB, finding kinds, key questions, roles, glossary)."""
    words: set[str] = set()
    labels = [c.label for c in (*Status, *FindingKind, *KeyQuestion, *Role)]
    labels += [g["term"] for g in DEFAULT_GLOSSARY]
    for label in labels:
        words.update(w.lower() for w in re.findall(r"[^\W_]+", str(label)))
    return frozenset(words)


VOCABULARY = _vocabulary()
COMMON = EVERYDAY_WORDS | VOCABULARY


def _key(text: str) -> str:
    """One spelling for every way a name is written: 'Okafor, Jane' and 'okafor jane'."""
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


@dataclass(frozen=True)
class Person:
    """A user as redaction sees them: what identifies them, and the role that replaces it."""

    pk: int
    username: str
    first_name: str
    last_name: str
    email: str
    title: str

    def full_forms(self) -> list[list[str]]:
        """Full names, 'Surname, First', 'J. Surname' and the username, as word lists."""
        first, last = _words(self.first_name), _words(self.last_name)
        forms = []
        if first and last:
            forms += [first + last, last + first]
            if len(first) > 1:  # "Mary Ann Okafor" is also written "Mary Okafor"
                forms.append(first[:1] + last)
            if all(_single(w) for w in last):  # "J. Okafor", but not "A Ward"
                forms.append([first[0][0]] + last)
        username = _words(self.username)
        if username and (len(username) > 1 or _single(username[0])):
            forms.append(username)
        return forms

    def single_names(self) -> list[str]:
        """First name and surname alone, and each part of a double-barrelled one
        ("Okonkwo-Thistle": also "Thistle"), unless they are everyday words."""
        names = []
        for name in (self.first_name.strip(), self.last_name.strip()):
            parts = _words(name)
            if parts and all(_single(w) for w in parts):
                names.append(name)
            if len(parts) > 1:
                names += [w for w in parts if _single(w)]
        return names


def _single(word: str) -> bool:
    """Whether a word alone is taken for a name: not an everyday word, not too short."""
    return len(word) >= 2 and word.lower() not in COMMON and not word.isdigit()


Token = tuple[int, int, str]  # start, end, the word as written


def _tokens(text: str) -> list[Token]:
    return [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]


class _Names:
    """Name forms looked up word by word: the text is read once, one dictionary lookup per
    word, however many people the trust has.

    A form matches consecutive words of the text joined as ``JOIN`` allows; the longest form
    at a place wins ("Jane Okafor" is one name, not two), and an honorific just before it
    ("Dr", "Mrs.") goes with it. ``fold`` forms match in any case; the others (names made
    only of everyday words, "Will Ward") only as written.
    """

    def __init__(self, forms: dict[tuple[str, ...], str], *, fold: bool) -> None:
        self.forms = forms  # words (lower-cased when folding) -> the form's key
        self.fold = fold
        self.prefixes = {words[:n] for words in forms for n in range(1, len(words))}
        self.starts = {words[0] for words in forms}
        self.longest = max((len(words) for words in forms), default=0)
        # One word each form cannot match without (its longest): text with none of them
        # holds no name, found with one C-speed set test.
        self.anchors = {max(words, key=len) for words in forms}

    def __bool__(self) -> bool:
        return bool(self.forms)

    def may_occur(self, value: str) -> bool:
        """False only if no form can match in ``value``."""
        if self.fold:
            folded = value.lower()
            if len(folded) != len(value):  # a letter that lower-cases to two: read it all
                return True
            return not self.anchors.isdisjoint(WORD.findall(folded))
        return not self.anchors.isdisjoint(WORD.findall(value))

    def _at(self, text: str, tokens: list[Token], i: int) -> tuple[int, str] | None:
        """The longest form starting at word ``i``: (its last word, its key), or None."""
        best = None
        words: tuple[str, ...] = ()
        last = min(len(tokens), i + self.longest) - 1
        for j in range(i, last + 1):
            word = tokens[j][2]
            words += (word.lower() if self.fold else word,)
            key = self.forms.get(words)
            if key is not None:
                best = (j, key)
            if (
                j == last
                or words not in self.prefixes
                or not JOIN.fullmatch(text, tokens[j][1], tokens[j + 1][0])
            ):
                break
        return best

    def find(self, text: str):
        """Each name in ``text``, left to right: (start with honorific, start, end, key)."""
        if not self.may_occur(text):
            return
        tokens = _tokens(text)
        i, count = 0, len(tokens)
        while i < count:
            start, end, word = tokens[i]
            word = word.lower() if self.fold else word
            if (
                word in HONORIFICS
                and i + 1 < count
                and AFTER_HONORIFIC.fullmatch(text, end, tokens[i + 1][0])
                and (hit := self._at(text, tokens, i + 1)) is not None
            ):
                yield start, tokens[i + 1][0], tokens[hit[0]][1], hit[1]
                i = hit[0] + 1
            elif word in self.starts and (hit := self._at(text, tokens, i)) is not None:
                yield start, start, tokens[hit[0]][1], hit[1]
                i = hit[0] + 1
            else:
                i += 1

    def sub(self, text: str, replacements: dict[str, str]) -> str:
        pieces, done = [], 0
        for start, _name, end, key in self.find(text):
            pieces += [text[done:start], replacements[key]]
            done = end
        return "".join(pieces) + text[done:] if pieces else text


class _Emails:
    """Known email addresses found in any case, anywhere (also inside a longer address),
    by looking around each "@" rather than trying every address at every place."""

    def __init__(self, emails: Iterable[str]) -> None:
        # domain -> length of the part before "@" -> those parts (all lower case)
        self.by_domain: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        for email in emails:
            local, _at, domain = email.partition("@")
            self.by_domain[domain][len(local)].add(local)
        self.domain_lengths = sorted({len(d) for d in self.by_domain}, reverse=True)

    def find(self, text: str):
        """(start, end) of each known address, left to right, longest first."""
        done, at = 0, text.find("@")
        while at >= 0:
            best = None
            for length in self.domain_lengths:
                domain = text[at + 1 : at + 1 + length].lower()
                if len(domain) != length or domain not in self.by_domain:
                    continue
                for n, parts in self.by_domain[domain].items():
                    if n <= at - done and text[at - n : at].lower() in parts:
                        best = max(best or (n, length), (n, length))
            if best is not None:
                yield at - best[0], at + 1 + best[1]
                done = at + 1 + best[1]
            at = text.find("@", max(at + 1, done))


@dataclass
class Redactor:
    """Rewrites free text for the public; ``kept`` notes everyday-word names left alone."""

    people: list[Person]
    replacements: dict[str, str] = field(init=False)
    kept: dict[str, int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.replacements = {}
        self._emails: dict[str, str] = {}
        # Forms made only of everyday words ("Will Ward") match only as capitalised.
        anycase: dict[tuple[str, ...], str] = {}
        as_written: dict[tuple[str, ...], str] = {}
        self._keys: list[list[str]] = []  # each person's forms' keys, for ``retitled``
        for person in self.people:
            if person.email:
                self._add(self._emails, person.email.lower(), person.title)
            forms = [*person.full_forms(), *(_words(n) for n in person.single_names())]
            self._keys.append([])
            for words in forms:
                key = _key(" ".join(words))
                self._keys[-1].append(key)
                self._add(self.replacements, key, person.title)
                if any(_single(w) for w in words):
                    anycase[tuple(w.lower() for w in words)] = key
                else:
                    as_written[tuple(words)] = key
        folded = set(anycase.values())
        self._names = [
            _Names(anycase, fold=True),
            _Names({w: k for w, k in as_written.items() if k not in folded}, fold=False),
        ]
        self._known_emails = _Emails(self._emails) if self._emails else None
        everyday = {
            _key(w): w
            for p in self.people
            for w in (p.first_name.strip(), p.last_name.strip())
            if w
            and not all(_single(x) for x in _words(w))
            and not all(x.lower() in VOCABULARY for x in _words(w))
        }
        # First word as written -> the names starting with it, longest first.
        self._everyday: dict[str, list[str]] = defaultdict(list)
        for name in sorted(everyday.values(), key=len, reverse=True):
            if _words(name):
                self._everyday[_words(name)[0]].append(name)

    def retitled(self, titles: dict[int, str]) -> Redactor:
        """The same people under other titles (``SOMEONE`` where none is given): the names
        are not indexed again, only what replaces them changes."""
        other = copy.copy(self)
        other.people = [replace(p, title=titles.get(p.pk, SOMEONE)) for p in self.people]
        other.kept, other.replacements, other._emails = {}, {}, {}
        for person, keys in zip(other.people, self._keys, strict=True):
            if person.email:
                self._add(other._emails, person.email.lower(), person.title)
            for key in keys:
                self._add(other.replacements, key, person.title)
        return other

    @staticmethod
    def _add(table: dict[str, str], key: str, title: str) -> None:
        if key in table and table[key] != title:
            table[key] = SOMEONE  # two people, two roles: say neither
        else:
            table[key] = title

    def _sub_known_emails(self, value: str) -> str:
        pieces, done = [], 0
        for start, end in self._known_emails.find(value):
            pieces += [value[done:start], self._emails[value[start:end].lower()]]
            done = end
        return "".join(pieces) + value[done:] if pieces else value

    def text(self, value: str) -> str:
        """``value`` with every person replaced by their role title, emails and links removed.

        Control and invisible characters come out first: they would show in the page and
        PDF, and one inside a name ("Oka\u200bfor") would hide it from the name search."""
        if not value:
            return value
        value = typed.clean(value, strict=True)
        if "@" in value:
            if self._known_emails is not None:
                value = self._sub_known_emails(value)
        if MAYBE_URL.search(value):
            value = URL.sub(LINK_REMOVED, value)
        if "@" in value:
            value = EMAIL.sub(EMAIL_REMOVED, value)
        for names in self._names:
            if names:
                value = names.sub(value, self.replacements)
        if self._everyday:
            self._note_everyday(value)
        return value

    def _note_everyday(self, value: str) -> None:
        """Capitalised everyday words that are also someone's name: for the PMO to check."""
        if self._everyday.keys().isdisjoint(WORD.findall(value)):
            return
        done = 0
        for match in WORD.finditer(value):
            start = match.start()
            if start < done or match.group() not in self._everyday:
                continue
            for name in self._everyday[match.group()]:
                stop = start + len(name)
                if value.startswith(name, start) and not WORD.match(value, stop):
                    self.kept[name] = self.kept.get(name, 0) + 1
                    done = stop
                    break

    def document(self, value: Any) -> Any:
        """Every string in a JSON-safe structure, rewritten (keys are the product's own)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.document(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.document(v) for v in value]
        return value

    def leaks(self, value: str) -> list[str]:
        """What in ``value`` still identifies someone: must be empty before publishing."""
        found = []
        if "@" in value:
            if self._known_emails is not None:
                found += [value[s:e] for s, e in self._known_emails.find(value)]
            found += [m.group(0) for m in EMAIL.finditer(value)]
        for names in self._names:
            if names:
                found += [value[s:e] for _h, s, e, _k in names.find(value)]
        return found


def role_titles(plan: Plan) -> dict[int, str]:
    """Each user's public title: exec role, else PMO, else the actions they lead, else group."""
    user_model = get_user_model()
    groups_of: dict[int, set[str]] = defaultdict(set)
    for user_id, group in user_model.groups.through.objects.values_list("user_id", "group__name"):
        groups_of[user_id].add(group)
    exec_titles: dict[int, list[str]] = defaultdict(list)
    for role in ExecRole.objects.filter(holder__isnull=False).order_by("code"):
        exec_titles[role.holder_id].append(exec_label(role.code, role.title))
    departments: dict[int, set[str]] = defaultdict(set)
    for lead_id, department in Action.objects.filter(
        plan=plan, action_lead__isnull=False
    ).values_list("action_lead_id", "department"):
        departments[lead_id].add(department.strip())
    titles: dict[int, str] = {}
    for pk in user_model.objects.values_list("pk", flat=True):
        groups = groups_of.get(pk, set())
        if exec_titles.get(pk):
            titles[pk] = " and ".join(exec_titles[pk])
        elif Role.PMO in groups:
            titles[pk] = "PMO"
        elif pk in departments:
            titles[pk] = lead_label(departments[pk])
        elif Role.REVIEWER in groups:
            titles[pk] = "Assurance reviewer"
        elif Role.BOARD in groups:
            titles[pk] = "Board member"
        elif Role.ACTION_LEAD in groups:
            titles[pk] = "Action lead"
        else:
            titles[pk] = "Member of staff"
    return titles


def exec_label(code: str, title: str) -> str:
    """'Director of Nursing (DoN)', or the code alone when the title is not recorded."""
    return f"{title} ({code})" if title and title != code else code


def lead_label(departments: Iterable[str]) -> str:
    """'Action lead (Maternity)' for one department; 'Action lead' for none or several."""
    named = {d for d in departments if d}
    return f"Action lead ({named.pop()})" if len(named) == 1 else "Action lead"


def recorded_names() -> set[tuple[int | None, str]]:
    """Every (user id, name) the history recorded: names people had when they acted or were
    named in a change, kept after a rename and after the user is deleted (id None)."""
    names: set[tuple[int | None, str]] = set(
        HistoryEntry.objects.exclude(actor_name="").values_list("actor_id", "actor_name").distinct()
    )
    for field_name in history.PERSON_FIELDS:
        pairs = (
            HistoryEntry.objects.filter(changes__has_key=field_name)
            .values_list(f"changes__{field_name}", flat=True)
            .distinct()
        )
        for pair in pairs:
            for value in pair if isinstance(pair, list) else []:
                if isinstance(value, dict) and str(value.get("name") or "").strip():
                    pk = value.get("id")
                    names.add((pk if isinstance(pk, int) else None, str(value["name"])))
    return names


def _past_people(current: list[tuple[int, str, str, str, str]]) -> list[Person]:
    """People as history knew them, under names no current user row holds any more.

    A recorded name is a full name (or a username where there was none): its last word is
    taken for the surname, so "Jane Old", "Old, Jane" and "Dr Old" all go. A name whose user
    is gone is keyed by a negative number, so it takes no one's title (``SOMEONE``).
    """
    known = {
        (pk, _key(f"{first} {last}".strip() or username))
        for pk, username, first, last, _email in current
    }
    people, gone = [], 0
    for pk, name in sorted(recorded_names(), key=lambda p: (p[0] or 0, p[1])):
        if (pk, _key(name)) in known or not _words(name):
            continue
        if pk is None:
            gone -= 1
        parts = name.split()
        first, last = (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else ("", "")
        username = name if len(parts) == 1 else ""
        people.append(Person(pk if pk is not None else gone, username, first, last, "", SOMEONE))
        known.add((pk, _key(name)))
    return people


def redactor_for_plan(plan: Plan) -> tuple[Redactor, dict[int, str]]:
    """A redactor knowing every user, by every name history recorded for them, and each
    user's (already redacted) public title."""
    titles = role_titles(plan)
    rows = list(
        get_user_model().objects.values_list("pk", "username", "first_name", "last_name", "email")
    )
    # The titles themselves may hold a name (a department named after someone): those
    # become "a member of staff" first, so no replacement brings a name back.
    plain = Redactor([Person(*row, title=SOMEONE) for row in rows] + _past_people(rows))
    titles = {pk: plain.text(title) for pk, title in titles.items()}
    return plain.retitled(titles), titles
