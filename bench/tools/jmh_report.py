#!/usr/bin/env python3
"""Summarises JMH's JSON results (Java 17, optionally Java 25) into bench/results/<stamp>-jmh.md
and -jmh.json: every benchmark's ops/s with its error, the Java 25 ÷ Java 17 ratio, and the
project's paths against the raw signature ceilings, per crypto provider (jca, native).

  jmh_report.py --java17 RAW.json [--java25 RAW.json] --md OUT.md --json OUT.json --meta key=value...
"""
import argparse
import json


def load(path):
    with open(path) as f:
        runs = json.load(f)
    out = {}
    jdk = None
    for r in runs:
        name = r["benchmark"].rsplit(".", 2)
        short = f"{name[-2]}.{name[-1]}"
        params = r.get("params", {})
        key = short + "".join(f" {k}={v}" for k, v in sorted(params.items())
                              if k not in ("memoryKib", "iterations", "parallelism"))
        if short == "Argon2Bench.hash":
            key += f" m={params.get('memoryKib')},t={params.get('iterations')},p={params.get('parallelism')}"
        pm = r["primaryMetric"]
        err = pm.get("scoreError")
        out[key] = {"score": pm["score"], "error": None if err in (None, "NaN") or err != err else err,
                    "unit": pm["scoreUnit"], "benchmark": short, "params": params}
        jdk = f"{r.get('vmName', '')} {r.get('jdkVersion', '')} ({r.get('vmVersion', '')})".strip()
    return out, jdk


def fmt(x):
    if x is None:
        return "–"
    return f"{x:,.1f}" if x < 100 else f"{x:,.0f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--java17", required=True)
    ap.add_argument("--java25")
    ap.add_argument("--md", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--meta", nargs="*", default=[])
    a = ap.parse_args()
    meta = dict(kv.split("=", 1) for kv in a.meta)

    r17, jdk17 = load(a.java17)
    r25, jdk25 = load(a.java25) if a.java25 else ({}, None)
    rows = []
    for key, v in r17.items():
        w = r25.get(key)
        rows.append({"key": key, "benchmark": v["benchmark"], "params": v["params"], "unit": v["unit"],
                     "java17": v["score"], "java17_error": v["error"],
                     "java25": w["score"] if w else None, "java25_error": w["error"] if w else None,
                     "ratio_25_to_17": (w["score"] / v["score"]) if w and v["score"] else None})

    def score(results, bench, **params):
        for v in results.values():
            if v["benchmark"] == bench and all(str(v["params"].get(k)) == str(p) for k, p in params.items()):
                return v["score"]
        return None

    algs = sorted({v["params"]["alg"] for v in r17.values() if "alg" in v["params"]},
                  key=lambda x: ["RS256", "PS256", "ES256", "EdDSA"].index(x) if x in ("RS256", "PS256", "ES256", "EdDSA") else 9)
    # the crypto provider (CRYPTO_PROVIDER) is a parameter of the crypto benchmarks: a row per provider and alg
    providers = sorted({v["params"]["provider"] for v in r17.values() if "provider" in v["params"]}) or [None]
    paths = []
    for provider, alg in [(pr, al) for pr in providers for al in algs]:
        by = {"alg": alg} if provider is None else {"alg": alg, "provider": provider}
        sign, verify = score(r17, "JcaBench.sign", **by), score(r17, "JcaBench.verify", **by)
        issue = score(r17, "IssueBench.issue", **by)
        cold, hot = score(r17, "VerifyBench.verify", cacheSize=0, **by), score(r17, "VerifyBench.verify", cacheSize=20000, **by)
        paths.append({"provider": provider or "jca", "alg": alg, "jca_sign": sign, "jca_verify": verify, "issue": issue,
                      "issue_to_jca_sign": issue / sign if issue and sign else None,
                      "verify_cold": cold, "verify_cold_to_jca_verify": cold / verify if cold and verify else None,
                      "verify_hot": hot, "hot_to_cold": hot / cold if hot and cold else None})
    vs = [{"benchmark": r["key"], "java17": r["java17"], "java25": r["java25"], "ratio": r["ratio_25_to_17"]}
          for r in rows if r["java25"] is not None]
    report = {"meta": meta, "java17_jdk": jdk17, "java25_jdk": jdk25, "results": rows, "paths_java17": paths,
              "java25_vs_17": vs}
    with open(a.json, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")

    out = []
    w = out.append
    w(f"# JMH micro-benchmarks {meta.get('stamp', '')}\n")
    w(f"`bench/run-jmh.sh`, JMH 1.37, options `{meta.get('jmh_opts', '')}`, one thread per benchmark, "
      f"{meta.get('cores', '?')} cores (shared machine: load average {meta.get('load_average_start', '?')} at "
      f"start, {meta.get('load_average_end', '?')} at the end), commit `{meta.get('git_commit', '?')}`.\n")
    w(f"- Java 17: {jdk17}")
    w(f"- Java 25: {jdk25 or 'not run (bench/run-jmh.sh --jdk25)'}\n")
    w("| benchmark | Java 17 ops/s | ± | Java 25 ops/s | ± | 25 ÷ 17 |")
    w("|---|---|---|---|---|---|")
    for r in rows:
        ratio = f"{r['ratio_25_to_17']:.2f}" if r["ratio_25_to_17"] else "–"
        w(f"| {r['key']} | {fmt(r['java17'])} | {fmt(r['java17_error'])} | {fmt(r['java25'])} | "
          f"{fmt(r['java25_error'])} | {ratio} |")
    w("\n## The project's paths against the raw signature ceilings, per crypto provider (Java 17)\n")
    w("| provider | alg | sign/s | AccessTokens.issue/s | issue ÷ sign | verify/s | TokenVerifier cold/s | cold ÷ verify | "
      "TokenVerifier hot/s | hot ÷ cold |")
    w("|---|---|---|---|---|---|---|---|---|---|")

    def ratio(x):
        return f"{x:.2f}" if x else "–"

    for p in paths:
        w(f"| {p['provider']} | {p['alg']} | {fmt(p['jca_sign'])} | {fmt(p['issue'])} | {ratio(p['issue_to_jca_sign'])} | "
          f"{fmt(p['jca_verify'])} | {fmt(p['verify_cold'])} | {ratio(p['verify_cold_to_jca_verify'])} | "
          f"{fmt(p['verify_hot'])} | {ratio(p['hot_to_cold'])} |")
    w("")
    with open(a.md, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
