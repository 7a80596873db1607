#!/usr/bin/env python3
"""Converts the Debian FAQ (Debian packages debian-faq-zh-cn and debian-faq, 11.1) into BEIR-layout
retrieval sets and the mmsearch demo corpus. A fixture generator: never run at build or test time.

Usage (see README.md beside this file):
    convert.py ZH_TXT_GZ EN_TXT_GZ OUT_DIR [--demo-corpus FILE.jsonl.gz]

The text is split at its numbered section headings (N.M. and N.M.K., followed by a no-break space);
a heading may wrap over several lines, up to the first blank line. A section's answer is everything up
to the next heading, each line stripped, runs of blank lines folded to one. Questions are the headings
ending in '？' whose answer is over 40 characters (117 in 11.1). The shared half of them
(../shared/data/debian-faq-zh) is named in shared-half.txt; the others are the held-out half.

Writes, under OUT_DIR:
    debian-faq-zh/          corpus.jsonl (146 answers), queries.jsonl + qrels/test.tsv (the shared 55):
                            byte for byte ../shared/data/debian-faq-zh
    debian-faq-zh-heldout/  the same corpus; the 62 held-out questions
    debian-faq-en/          the English FAQ's same sections and questions (all 117), qrels/test.tsv the
                            shared half, qrels/heldout.tsv the held-out half
    en-to-zh/               Chinese answers, English questions (117; qrels as debian-faq-en)
    zh-to-en/               English answers, Chinese questions (117; qrels as debian-faq-en)
"""
import gzip
import json
import os
import re
import sys

HEADING = re.compile(r'^(\d+\.\d+(?:\.\d+)?)\.\u00a0(.*)$')
MIN_ANSWER_CHARS = 40
HERE = os.path.dirname(os.path.abspath(__file__))


def sections(lines, heading_joiner):
    """[(number, heading, answer)] in document order."""
    found = []
    current = None
    in_heading = False
    for raw in lines:
        line = raw.rstrip('\n')
        m = HEADING.match(line)
        if m:
            current = [m.group(1), m.group(2).strip(), []]
            found.append(current)
            in_heading = True
            continue
        if current is None:
            continue
        if in_heading:
            if line.strip() == '':
                in_heading = False
            else:
                current[1] += heading_joiner + line.strip()
            continue
        current[2].append(line.strip())
    result = []
    for number, heading, body in found:
        answer = re.sub(r'\n{3,}', '\n\n', '\n'.join(body).strip())
        result.append((number, heading, answer))
    return result


def read(path, joiner):
    with gzip.open(path, 'rt', encoding='utf-8') as f:
        return sections(f, joiner)


def write_jsonl(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + '\n')


def write_qrels(path, numbers):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('query-id\tcorpus-id\tscore\n')
        for n in numbers:
            f.write('q-%s\tfaq-%s\t1\n' % (n, n))


def corpus_rows(secs):
    return [{'_id': 'faq-' + n, 'title': '', 'text': t} for n, h, t in secs]


def main(argv):
    args = [a for a in argv if not a.startswith('--')]
    demo = argv[argv.index('--demo-corpus') + 1] if '--demo-corpus' in argv else None
    if demo:
        args.remove(demo)
    if len(args) != 3:
        sys.exit(__doc__)
    zh_txt, en_txt, out = args
    zh = read(zh_txt, '')
    en = read(en_txt, ' ')
    if [s[0] for s in zh] != [s[0] for s in en]:
        sys.exit('the Chinese and English FAQ have different sections')
    en_heading = {n: h for n, h, t in en}
    questions = [n for n, h, t in zh if h.endswith('？') and len(t) > MIN_ANSWER_CHARS]
    zh_heading = {n: h for n, h, t in zh}
    with open(os.path.join(HERE, 'shared-half.txt'), encoding='utf-8') as f:
        shared = {line.strip() for line in f if line.strip()}
    unknown = shared - set(questions)
    if unknown:
        sys.exit('shared-half.txt names sections that are not questions: %s' % sorted(unknown))
    tune = [n for n in questions if n in shared]
    held = [n for n in questions if n not in shared]

    def queries(numbers, headings):
        return [{'_id': 'q-' + n, 'text': headings[n]} for n in numbers]

    zh_corpus, en_corpus = corpus_rows(zh), corpus_rows(en)
    sets = {
        'debian-faq-zh': (zh_corpus, queries(tune, zh_heading), {'test': tune}),
        'debian-faq-zh-heldout': (zh_corpus, queries(held, zh_heading), {'test': held}),
        'debian-faq-en': (en_corpus, queries(questions, en_heading), {'test': tune, 'heldout': held}),
        'en-to-zh': (zh_corpus, queries(questions, en_heading), {'test': tune, 'heldout': held}),
        'zh-to-en': (en_corpus, queries(questions, zh_heading), {'test': tune, 'heldout': held}),
    }
    for name, (corpus, qs, qrels) in sets.items():
        write_jsonl(os.path.join(out, name, 'corpus.jsonl'), corpus)
        write_jsonl(os.path.join(out, name, 'queries.jsonl'), qs)
        for qname, numbers in qrels.items():
            write_qrels(os.path.join(out, name, 'qrels', qname + '.tsv'), numbers)
    if demo:  # reproducible gzip: no name, no timestamp
        with open(demo, 'wb') as raw, gzip.GzipFile(filename='', mode='wb', fileobj=raw, mtime=0, compresslevel=9) as f:
            for row in zh_corpus:
                f.write((json.dumps(row, ensure_ascii=False) + '\n').encode('utf-8'))
    print('%d sections, %d questions: %d shared, %d held out -> %s' % (len(zh), len(questions), len(tune), len(held), out))


if __name__ == '__main__':
    main(sys.argv[1:])
