"""Results table of run_comparison.sh (markdown on stdout).

usage: summarize.py DATA_DIR WORK_DIR

Reads DATA_DIR/counts.json, WORK_DIR/lm/lm_stats.json, WORK_DIR/lm/check_import.json,
and per seed WORK_DIR/results/ours_sS.jsonl (+ .time, and the stage times from
WORK_DIR/logs/ours_sS.log) and WORK_DIR/results/fastai_sS.json.

Training time, ours: the sum over the four stages of the seconds each stage's
last epoch line reports (training and the per-epoch validation, from the start
of the stage); fastai: the five fit_one_cycle calls (training and validation).
Wall time: the whole command (ours: loading, tokenizing, saving too; fastai:
Python start, imports, loading the tokenized folder).
"""

import glob, json, os, re, statistics, subprocess, sys


def key(d, *names):
    for n in names:
        if n in d:
            return d[n]
    raise KeyError(names)


def ms(xs, fmt):
    if not xs:
        return "-"
    if len(xs) == 1:
        return fmt.format(xs[0])
    return (fmt + " ± " + fmt).format(statistics.mean(xs), statistics.stdev(xs))


def main():
    data, work = sys.argv[1], sys.argv[2]
    res = os.path.join(work, "results")
    seeds = sorted({int(m.group(1)) for f in os.listdir(res)
                    for m in [re.match(r"(?:ours|fastai)_s(\d+)\.", f)] if m})
    rows, A, T = [], {"ours": [], "fastai": []}, {"ours": [], "fastai": []}
    W = {"ours": [], "fastai": []}
    for s in seeds:
        row = {"seed": s}
        p = os.path.join(res, f"ours_s{s}.jsonl")
        if os.path.exists(p) and os.path.exists(os.path.join(res, f"ours_s{s}.time")):
            recs = [json.loads(l) for l in open(p) if l.strip().startswith("{")]
            if recs:
                last = recs[-1]
                row["ours"] = (key(last, "accuracy"), key(last, "valid_loss", "validLoss"), len(recs))
                stage_s = {}
                for l in open(os.path.join(work, "logs", f"ours_s{s}.log")):
                    m = re.search(r"\| stage (\d+) \| epoch \d+ .*\| (\d+)s\s*$", l)
                    if m:
                        stage_s[m.group(1)] = int(m.group(2))
                row["ours_t"] = sum(stage_s.values())
                row["ours_w"] = float(open(os.path.join(res, f"ours_s{s}.time")).read())
                A["ours"].append(row["ours"][0]); T["ours"].append(row["ours_t"]); W["ours"].append(row["ours_w"])
        p = os.path.join(res, f"fastai_s{s}.json")
        if os.path.exists(p):
            j = json.load(open(p))
            row["fastai"] = (j["accuracy"], j["valid_loss"], len(j["epochs"]))
            row["fastai_t"], row["fastai_w"] = j["train_seconds"], j["total_seconds"]
            A["fastai"].append(j["accuracy"]); T["fastai"].append(j["train_seconds"]); W["fastai"].append(j["total_seconds"])
        rows.append(row)

    out = []
    c = json.load(open(os.path.join(data, "counts.json")))
    out.append("### Dataset\n")
    out.append("| class | train | valid | (before caps: train / valid) |\n|---|---|---|---|")
    for k in c["paragraphs"]["train"]:
        out.append(f"| {k} | {c['paragraphs']['train'][k]} | {c['paragraphs']['valid'][k]} | "
                   f"{c['paragraphs_before_caps']['train'][k]} / {c['paragraphs_before_caps']['valid'][k]} |")
    out.append(f"\nArticles: {c['articles']['train']} train, {c['articles']['valid']} valid.\n")
    lm = json.load(open(os.path.join(work, "lm", "lm_stats.json")))
    out.append("### Language model\n")
    out.append(f"fastai AWD_LSTM, emb_sz {lm['emb_sz']}, n_hid {lm['n_hid']}, n_layers {lm['n_layers']}, "
               f"vocabulary {lm['vocab']}; {lm['batches']} batches of {lm['bs']}x{lm['seq_len']} "
               f"({lm['epochs']:.2f} epochs, {lm['tokens_seen']} tokens) in {lm['train_seconds']:.0f} s on "
               f"{lm['threads']} threads; valid loss {lm['valid_loss']:.4f}, perplexity {lm['valid_perplexity']:.1f}.\n")
    ci = os.path.join(work, "lm", "check_import.json")
    if os.path.exists(ci):
        ci = json.load(open(ci))
        parts = [f"fastai {ci['fastai']['loss']:.4f} over {ci['fastai']['scored_tokens']} tokens"]
        for k, v in ci["ours"].items():
            if "loss" in v:
                parts.append(f"ours ({k}) per_token_loss {v['per_token_loss']:.4f} over "
                             f"{v.get('scored_tokens', '?')} tokens (its `loss` field: {v['loss']:.4f})")
            else:
                parts.append(f"ours ({k}) failed")
        out.append(f"Import check, mean loss on {ci['texts']} valid paragraphs: " + "; ".join(parts) + ".\n")
    out.append("### Classifier (final epoch, validation set)\n")
    out.append("| seed | accuracy ours | accuracy fastai | valid loss ours | valid loss fastai | "
               "training s ours | training s fastai | wall s ours | wall s fastai |\n|---|---|---|---|---|---|---|---|---|")
    f = lambda r, k, i, fmt: fmt.format(r[k][i]) if k in r else "-"
    g = lambda r, k, fmt: fmt.format(r[k]) if k in r else "-"
    for r in rows:
        out.append(f"| {r['seed']} | {f(r, 'ours', 0, '{:.4f}')} | {f(r, 'fastai', 0, '{:.4f}')} | "
                   f"{f(r, 'ours', 1, '{:.4f}')} | {f(r, 'fastai', 1, '{:.4f}')} | {g(r, 'ours_t', '{:.0f}')} | "
                   f"{g(r, 'fastai_t', '{:.0f}')} | {g(r, 'ours_w', '{:.0f}')} | {g(r, 'fastai_w', '{:.0f}')} |")
    out.append(f"| mean ± sd | {ms(A['ours'], '{:.4f}')} | {ms(A['fastai'], '{:.4f}')} | | | "
               f"{ms(T['ours'], '{:.0f}')} | {ms(T['fastai'], '{:.0f}')} | {ms(W['ours'], '{:.0f}')} | {ms(W['fastai'], '{:.0f}')} |")
    try:
        cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        info = {k.strip(): v.strip() for k, v in (l.split(":", 1) for l in cpu.splitlines() if ":" in l)}
        out.append(f"\nCPU: {info.get('Model name')}, family {info.get('CPU family')}, model {info.get('Model')}, "
                   f"{os.cpu_count()} cores visible.")
    except OSError:
        pass
    print("\n".join(out))


if __name__ == "__main__":
    main()
