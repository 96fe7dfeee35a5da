"""The jargon buster a new publication starts from: the words of DOMAIN.md, for the public.

The PMO edits it before publishing; the edited list is kept for the plan's next snapshot.
"""

from __future__ import annotations

DEFAULT_GLOSSARY: list[dict[str, str]] = [
    {
        "term": "CQC",
        "definition": "The Care Quality Commission: the independent regulator of health and "
        "social care in England. It inspects the Trust and publishes reports and ratings.",
    },
    {
        "term": "Inspection report",
        "definition": "What the CQC publishes after visiting the Trust: its ratings and the "
        "things the Trust must or should improve.",
    },
    {
        "term": "Improvement plan",
        "definition": "The Trust's list of actions answering each point in the inspection "
        "report, who is accountable for each, and when it is due.",
    },
    {
        "term": "Must do",
        "definition": "Something the CQC says the Trust must do to meet the law. Actions for "
        "musts are numbered M1, M2 … and listed first.",
    },
    {
        "term": "Should do",
        "definition": "Something the CQC says the Trust should do to improve, though it is "
        "not a breach of the law. Numbered S1, S2 … and listed after the musts.",
    },
    {
        "term": "Regulatory requirement notice",
        "definition": "A CQC notice that the Trust has breached a named regulation (for "
        "example Regulation 17, Good governance) and must put it right.",
    },
    {
        "term": "Section 29A",
        "definition": "A warning notice under section 29A of the Health and Social Care Act "
        "2008: the CQC requires significant improvement by a set date.",
    },
    {
        "term": "Section 31",
        "definition": "Conditions the CQC places on the Trust's registration under section 31 "
        "of the Health and Social Care Act 2008, because people may be at risk of harm.",
    },
    {
        "term": "Key question (KLOE)",
        "definition": "The CQC asks five key questions of every service: is it Safe, "
        "Effective, Caring, Responsive and Well-led? KLOE means key lines of enquiry, the "
        "detailed prompts behind them.",
    },
    {
        "term": "Core service",
        "definition": "One of the services the CQC inspects and rates separately, such as "
        "Maternity, Surgery, Urgent and emergency care or Outpatients.",
    },
    {
        "term": "Division",
        "definition": "A group of the Trust's services managed together, such as Medicine "
        "or Surgery.",
    },
    {
        "term": "Theme",
        "definition": "A heading grouping related actions, such as Training, Risk or Governance.",
    },
    {
        "term": "RAGB",
        "definition": "The status of each action: Red, Amber, Green or Blue, and White "
        "for actions not yet due to start.",
    },
    {
        "term": "Red",
        "definition": "Significantly off track: the action is being escalated or rescheduled.",
    },
    {
        "term": "Amber",
        "definition": "Experiencing problems: off track, but expected to recover.",
    },
    {"term": "Green", "definition": "On track."},
    {
        "term": "Blue",
        "definition": "Completed: the evidence has been checked and the action signed off.",
    },
    {"term": "White", "definition": "Not yet due to start."},
    {
        "term": "Action lead",
        "definition": "The member of staff responsible for carrying out an action and "
        "reporting its progress. Shown here by role, not by name.",
    },
    {
        "term": "Executive lead",
        "definition": "The director accountable for a set of actions, shown by role: for "
        "example CE (Chief Executive), MD (Medical Director), DoN (Director of Nursing).",
    },
    {
        "term": "PMO",
        "definition": "The programme management office: the team that runs the improvement "
        "plan, collects updates and reports progress.",
    },
    {
        "term": "Evidence",
        "definition": "Documents, audits or records showing that an action has been done "
        "and that the change has lasted.",
    },
    {
        "term": "Sign-off",
        "definition": "The decision, by a group that reviews the evidence, that an action is "
        "complete. Only then does the action turn Blue.",
    },
    {
        "term": "Closure",
        "definition": "Closing an action once its evidence is accepted and it is signed off.",
    },
    {
        "term": "CSPI",
        "definition": "Care Standards Peer Inspection: staff from elsewhere in the Trust "
        "visit the service to check a completed action works in practice.",
    },
    {
        "term": "Exception report",
        "definition": "A weekly internal report listing the actions that need attention: "
        "those off track, overdue or not updated.",
    },
    {
        "term": "Highlight report",
        "definition": "The monthly report on the plan's progress to the Trust Board and its "
        "committees.",
    },
    {
        "term": "Board pack",
        "definition": "The papers the Trust Board reads at its meeting.",
    },
    {
        "term": "Trajectory",
        "definition": "How many actions were planned to be complete by each month, against "
        "which actual progress is measured.",
    },
    {
        "term": "Root cause",
        "definition": "The underlying reason for a problem the CQC found. Large findings are "
        "broken down into root causes, each with its own actions.",
    },
    {
        "term": "KPI",
        "definition": "Key performance indicator: a measure showing whether a change has "
        "worked, for example the share of staff trained.",
    },
    {
        "term": "Plan on a Page (POAP)",
        "definition": "A one-page summary of the improvement plan.",
    },
    {
        "term": "QIP / IQIP",
        "definition": "Quality improvement plan / integrated quality improvement plan: other "
        "names for an improvement plan.",
    },
]
