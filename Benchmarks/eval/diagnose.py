#!/usr/bin/env python3
"""Facts about each missed label and each false incident of a held-out run,
computed from the scenario data itself (not from driftwatch internals).

    diagnose.py RUNDIR/PROFILE/SEED [...]
"""
import gzip, json, math, os, sys
from collections import defaultdict
from datetime import datetime, timedelta


def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def load(p):
    return [json.loads(l) for l in gzip.open(p, "rt")]


def canon(e):
    return (e.get("tool"), json.dumps(e.get("args"), sort_keys=True))


def sessions(evs):
    d = defaultdict(list)
    for e in evs:
        if e.get("type", "tool_call") == "tool_call":
            d[e.get("session")].append(e)
    return d


def max_window(evs, key, minutes=5):
    """max over sliding windows of `minutes` of sum(key(e))"""
    best, j, s = 0.0, 0, 0.0
    tt = [ts(e["ts"]) for e in evs]
    w = timedelta(minutes=minutes)
    for i, e in enumerate(evs):
        s += key(e)
        while tt[i] - tt[j] > w:
            s -= key(evs[j]); j += 1
        best = max(best, s)
    return best


def longest_runs(evs_by_session, tool=None):
    rep = fail = 0
    for v in evs_by_session.values():
        r = 1; f = 0; ft = None
        for i, e in enumerate(v):
            if i and canon(e) == canon(v[i - 1]) and v[i - 1].get("status", "ok") == "ok" and (tool is None or e["tool"] == tool):
                r += 1; rep = max(rep, r)
            else:
                r = 1
            if e.get("status", "ok") != "ok" and (tool is None or e["tool"] == tool):
                f = f + 1 if e["tool"] == ft else 1; ft = e["tool"]; fail = max(fail, f)
            elif e.get("tool") == ft:
                f = 0
    return rep, fail


def facts(L, tr, te, alerts):
    a = L["agent"]
    atr = [e for e in tr if e["agent"] == a]
    ate = [e for e in te if e["agent"] == a]
    calls = [e for e in atr if e.get("type", "tool_call") == "tool_call"]
    S = sessions(atr)
    out = [f"train: {len(calls)} tool calls, {len(S)} sessions"]
    k = L["kind"]
    s0, s1 = ts(L["start_ts"]), ts(L["end_ts"])
    if k in ("rate.burst", "benign.volume"):
        tw = max_window(atr, lambda e: 1)
        win = [e for e in ate if s0 - timedelta(minutes=5) <= ts(e["ts"]) <= s1 + timedelta(minutes=10)]
        out.append(f"max events in 5 min: train {tw:.0f}, labelled window {max_window(win, lambda e: 1):.0f}")
    if k in ("cost.rate", "rate.burst"):
        c = lambda e: e.get("cost_usd", 0)
        win = [e for e in ate if s0 <= ts(e["ts"]) <= s1]
        out.append(f"max spend in 5 min: train ${max_window(atr, c):.4f}, labelled window ${max_window(win, c):.4f}")
    if k in ("loop.repeat", "loop.error_retry"):
        tool = None
        if L.get("session"):
            v = sessions([e for e in ate if e.get("session") == L["session"]])[L["session"]]
            tool = next((e["tool"] for e in v if s0 <= ts(e["ts"])), None)
        rep_all, fail_all = longest_runs(S)
        rep_t, fail_t = longest_runs(S, tool)
        out.append(f"train longest identical run after a success: any tool {rep_all}, {tool} {rep_t}; "
                   f"longest failure streak of one tool: any {fail_all}, {tool} {fail_t}")
        nf = sum(1 for e in calls if e.get("status", "ok") != "ok")
        out.append(f"train failure rate {nf / max(1, len(calls)):.3f}")
    if k == "cost.session":
        v = [e for e in ate if e.get("session") == L["session"]]
        n = len([e for e in v if e.get("type", "tool_call") == "tool_call"])
        tot = sum(e.get("cost_usd", 0) for e in v)
        cum = []
        for sv in S.values():
            sess_all = [e for e in atr if e.get("session") == sv[0].get("session")]
            cc = 0.0; nc = 0
            for e in sess_all:
                cc += e.get("cost_usd", 0)
                if e.get("type", "tool_call") == "tool_call":
                    nc += 1
                    if nc == n:
                        cum.append(cc)
        tot_all = sorted(sum(e.get("cost_usd", 0) for e in atr if e.get("session") == s) for s in S)
        cum.sort()
        med = tot_all[len(tot_all) // 2] if tot_all else 0
        out.append(f"session: {n} calls, ${tot:.4f}; train sessions reaching {n} calls: {len(cum)}, their cost at call {n}: "
                   f"median ${cum[len(cum) // 2] if cum else 0:.4f} max ${cum[-1] if cum else 0:.4f}; "
                   f"train whole-session cost median ${med:.4f} max ${tot_all[-1] if tot_all else 0:.4f}")
    if k == "drift.tools" or k == "drift.sequence":
        after = [e for e in ate if ts(e["ts"]) >= s0 and e.get("type", "tool_call") == "tool_call"]
        out.append(f"tool calls after start: {len(after)}")
        if k == "drift.sequence":
            # expected per-transition log-LR of "half-way to order-free" (pi_j instead of
            # P_ij) against the train transition model, on the test transitions after start
            from collections import Counter
            uni = Counter(e["tool"] for e in calls)
            tools = sorted(uni)
            tot = sum(uni.values())
            pi = {t: (uni[t] + 0.5) / (tot + 0.5 * len(tools)) for t in tools}
            tr_c = defaultdict(Counter)
            for v in S.values():
                for x, y in zip(v, v[1:]):
                    tr_c[x["tool"]][y["tool"]] += 1
            def P(i, j):
                n = sum(tr_c[i].values())
                return (tr_c[i][j] + 10 * pi[j]) / (n + 10)
            llr = []
            for v in sessions(after).values():
                for x, y in zip(v, v[1:]):
                    if x["tool"] in pi and y["tool"] in pi:
                        llr.append(math.log(0.5 + 0.5 * pi[y["tool"]] / P(x["tool"], y["tool"])))
            if llr:
                out.append(f"'half-way to order-free' log-LR per test transition: mean {sum(llr) / len(llr):+.4f}, "
                           f"sum over {len(llr)} transitions {sum(llr):+.1f}")
        if k == "drift.tools":
            tool = L["note"].split("toward ")[1].split(" ")[0]
            sh_tr = sum(e["tool"] == tool for e in calls) / max(1, len(calls))
            sh_te = sum(e["tool"] == tool for e in after) / max(1, len(after))
            out.append(f"{tool} share: train {sh_tr:.3f}, test after start {sh_te:.3f}")
    ag = [x for x in alerts if x["agent"] == a]
    out.append("alerts on agent: " + (", ".join(f"{x['kind']}@{x['ts'][11:19]}(score {x.get('score')}, thr {x.get('threshold')})" for x in ag[:6]) or "none"))
    return out


def main():
    for d in sys.argv[1:]:
        lab = json.load(open(os.path.join(d, "labels.json")))
        sc = json.load(open(os.path.join(d, "score.json")))
        alerts = [json.loads(l) for l in open(os.path.join(d, "alerts.ndjson")) if l.strip()]
        alerts = [x for x in alerts if not x["kind"].startswith("breaker.")]
        tr, te = load(os.path.join(d, "train.ndjson.gz")), load(os.path.join(d, "test.ndjson.gz"))
        for L, row in zip(lab["anomalies"], sc["rows"]):
            bad = row["detected"] is False or (row["detected"] is None and row["false_alarms"])
            if not bad:
                continue
            print(f"== {d} MISS {L['kind']} {L['agent']} {L.get('session') or ''} :: {L['note']}"
                  if row["detected"] is False else f"== {d} BENIGN ALERTED {L['kind']} {L['agent']} :: {L['note']}")
            for f in facts(L, tr, te, alerts):
                print("   ", f)
        for agent, fam, sess in sc["false_incidents"]:
            xs = [x for x in alerts if x["agent"] == agent and x["kind"].startswith(fam) and (sess is None or x.get("session") == sess)]
            labs = [L["kind"] for L in lab["anomalies"] if L["agent"] == agent]
            print(f"== {d} FALSE {agent} {fam} {sess or ''} (labels on agent: {labs})")
            for x in xs[:3]:
                print(f"    {x['ts']} {x['kind']} score {x.get('score')} thr {x.get('threshold')}: {x['message'][:220]}")


if __name__ == "__main__":
    main()
