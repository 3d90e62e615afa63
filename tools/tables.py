"""Tables rendered from measured files (results/benchmark.json, results/platforms.json), in
English and Chinese. Plain text formatting: no torch, no lab, so the report can check the
documents without importing either.
"""
from __future__ import annotations


TEXT = {
    "en": {"head": "Measured by `python -m tools.benchmark` on {cpu} ({threads} threads, torch "
                   "{torch}), in one process; examples/sec, medians of interleaved rounds.",
           "kernels": "**Kernels per batch size** (`speed.conv_plan`; training step, same "
                      "batches) against PyTorch's default kernels, oneDNN in the default layout "
                      "({rounds} interleaved rounds; the speed-up is the median of per-round "
                      "ratios, its range in brackets):",
           "kcols": "| lab, setting | default kernels ex/s | conv plan ex/s | speed-up |",
           "anatomy": "**Batch-4 step** with the conv plan's kernels: a loop that sums the loss "
                      "and accuracy on the device every step kept {sums:.2f} of the bare step's "
                      "speed; the lab's loop keeps {lab:.2f}.",
           "compile": "**`--compile`, d2l LeNet at batch 256, {epochs} epochs** ({where}whole "
                      "`fit()`: training and evaluation, compile time included): default kernels "
                      "{default:.0f} s, conv plan {eager:.0f} s ({se:.2f}x), conv plan + "
                      "`--compile` {comp:.0f} s ({sc:.2f}x; {ce:.2f}x over eager with the same "
                      "kernels). After the first epoch: {steady_comp:,.0f} examples/sec compiled, "
                      "{steady_eager:,.0f} eager.",
           "compile_where": "torch {torch}; ",
           "pcols": "| lab, setting | dataloader ex/s | tensor ex/s | ratio | loader-only "
                    "share of dataloader epoch | same weights |",
           "pipelines": "**Input pipelines**, one training epoch each:",
           "peer": "**Against the d2l package** on {cpu} ({threads} threads, torch {torch}; the "
                   "1-minute load average was {load} while it ran), counted as a student's runs "
                   "count: d2l {version}'s `train_ch6` on its `load_data_fashion_mnist` loaders "
                   "(4 workers) as a notebook runs it, and `python lab3_lenet.py`, each a "
                   "process of its own on the same Fashion-MNIST files, {rounds} interleaved "
                   "rounds, medians, each round's ratio to d2l in brackets. *Printed* is the "
                   "training examples/sec each prints: d2l's Timer counts the steps only (not "
                   "waiting for batches), lab3 the whole training pass (compile time apart); "
                   "*wall* is the whole process's seconds (start-up, data, compiling, "
                   "evaluation, and d2l's drawing).",
           "qcols": "| setting | counted | d2l `train_ch6` | lab3 eager | lab3 `--compile` | "
                    "`--compile` / d2l |",
           "counted": {"rate": "printed", "wall_seconds": "wall s"},
           "case": "batch {bs}, {epochs} epoch(s)",
           "chose": "`--compile` at batch {bs}: {said}",
           "peer_skipped": "**Against the d2l package**: not measured ({reason}).",
           "mnist": "MNIST tutorial, whole {epochs}-epoch run (training, evaluation, "
                    "checkpoints): dataloader {dl:.0f} s, tensor {tn:.0f} s ({r:.2f}x).",
           "yes": "yes", "no": "NO"},
    "zh": {"head": "由 `python -m tools.benchmark` 在 {cpu}（{threads} 线程，torch {torch}）上于同一"
                   "进程内测得；单位为每秒样本数，取交替多轮的中位数。",
           "kernels": "**按批量大小选择卷积内核**（`speed.conv_plan`；训练步，相同批量），对比 PyTorch 默认内核"
                      "（oneDNN，默认内存布局）；交替运行 {rounds} 轮，倍数取各轮比值的中位数，括号内为范围：",
           "kcols": "| 实验与设置 | 默认内核每秒样本 | 按批量选内核每秒样本 | 速度为默认内核的 |",
           "anatomy": "**批量大小 4 的一步**（按批量选的内核）：每步都在设备上累加损失和精度的"
                      "循环保留裸训练步速度的 {sums:.2f}，本实验的循环保留 {lab:.2f}。",
           "compile": "**`--compile`，d2l LeNet，批量大小 256，{epochs} 个迭代周期**（{where}整个 `fit()`："
                      "训练加评估，含编译时间）：默认内核 {default:.0f} 秒，按批量选内核 {eager:.0f} 秒"
                      "（速度是默认内核的 {se:.2f} 倍），再加 `--compile` {comp:.0f} 秒（速度是默认"
                      "内核的 {sc:.2f} 倍，是相同内核 eager 的 {ce:.2f} 倍）。第一个迭代周期之后："
                      "编译后每秒 {steady_comp:,.0f} 个样本，eager {steady_eager:,.0f} 个。",
           "compile_where": "torch {torch}；",
           "pcols": "| 实验与设置 | dataloader 每秒样本 | tensor 每秒样本 | tensor 速度为 dataloader "
                    "的 | 仅加载数据占 dataloader 一个迭代周期的比例 | 权重相同 |",
           "pipelines": "**输入管线**，各训练一个迭代周期：",
           "peer": "**对比 d2l 软件包**，在 {cpu}（{threads} 线程，torch {torch}；运行期间 1 分钟平均负载为 "
                   "{load}）上测得，按学生自己运行的方式计：d2l {version} 的 `train_ch6` 配合其 "
                   "`load_data_fashion_mnist` 数据加载器（4 个 worker），照笔记本里的用法运行；"
                   "lab3 则是 `python lab3_lenet.py`。两者各占一个独立进程，读同一份 Fashion-MNIST "
                   "文件，交替运行 {rounds} 轮，取中位数；括号内为各轮与 d2l 的比值。*自报*是各自打印的"
                   "训练阶段每秒样本数：d2l 的 Timer 只计训练步（不含等待批量），lab3 计整个训练过程"
                   "（编译时间另计）；*总秒数*是整个进程的秒数（启动、读数据、编译、评估，以及 d2l 的"
                   "绘图）。",
           "qcols": "| 设置 | 计时方式 | d2l `train_ch6` | lab3 eager | lab3 `--compile` | "
                    "`--compile` 速度为 d2l 的 |",
           "counted": {"rate": "自报", "wall_seconds": "总秒数"},
           "case": "批量大小 {bs}，{epochs} 个迭代周期",
           "chose": "批量大小 {bs} 时 `--compile` 的输出：{said}",
           "peer_skipped": "**对比 d2l 软件包**：未测量（{reason}）。",
           "mnist": "MNIST 教程完整 {epochs} 个迭代周期（训练、评估、检查点）：dataloader "
                    "{dl:.0f} 秒，tensor {tn:.0f} 秒（速度为 dataloader 的 {r:.2f} 倍）。",
           "yes": "是", "no": "否"},
}


CASE_ZH = (("mnist tutorial", "mnist 教程"), (", batch ", "，批量大小 "), (", MNIST", "，MNIST"),
           (" (torch.nn)", "（torch.nn）"))


def case(name: str, lang: str) -> str:
    """A benchmark case's name ('lab3 d2l LeNet, batch 4') in the page's language."""
    if lang == "zh":
        for en, zh in CASE_ZH:
            name = name.replace(en, zh)
    return name


def times(ratio: float, lang: str, digits: int = 2) -> str:
    """A speed ratio: '0.99x' in English, '0.99 倍' in Chinese (read as 'is 0.99 times as fast',
    never 'faster by')."""
    return f"{ratio:.{digits}f} 倍" if lang == "zh" else f"{ratio:.{digits}f}x"


def brackets(text: str, lang: str) -> str:
    return f"（{text}）" if lang == "zh" else f"({text})"


def benchmark(data: dict, lang: str = "en") -> str:
    """The speed tables, from results/benchmark.json (tools/benchmark.py --write)."""
    t, env = TEXT[lang], data["environment"]
    lines = [t["head"].format(cpu=env["device_name"], threads=env["cpu_threads"],
                              torch=env["torch"]), ""]
    if data.get("kernels"):
        rounds = len(data["kernels"][0]["variants"]["default kernels"]["rounds"])
        lines += [t["kernels"].format(rounds=rounds), "", t["kcols"], "| --- | --- | --- | --- |"]
        for row in data["kernels"]:
            now = "conv plan + lab loop" if "conv plan + lab loop" in row["variants"] \
                else "conv plan"
            base, plan = row["variants"]["default kernels"], row["variants"][now]
            ratios = [a / b for a, b in zip(plan["rounds"], base["rounds"])]
            lines.append(f"| {case(row['case'], lang)} | {base['median']:,.0f} | "
                         f"{plan['median']:,.0f} | {times(row['speedup'][now], lang)}"
                         f"{' ' if lang == 'en' else ''}"  # no space before a full-width bracket
                         f"{brackets(f'{min(ratios):.2f}-{max(ratios):.2f}', lang)} |")
        lines.append("")
    if data.get("anatomy"):
        a = data["anatomy"]["of_bare"]
        lines += [t["anatomy"].format(sums=a["per-step sums loop"], lab=a["lab loop"]), ""]
    if data.get("compile"):
        c = data["compile"]
        torch_version = c.get("environment", env)["torch"]  # a section measured apart says so
        where = "" if torch_version == env["torch"] else \
            t["compile_where"].format(torch=torch_version)
        lines += [t["compile"].format(
            where=where, steady_eager=c["conv plan, eager"]["steady_examples_per_sec"],
            steady_comp=c["conv plan, --compile"]["steady_examples_per_sec"],
            epochs=c["epochs"], default=c["default kernels, eager"]["seconds"],
            eager=c["conv plan, eager"]["seconds"], comp=c["conv plan, --compile"]["seconds"],
            se=c["speedup"]["conv plan, eager"], sc=c["speedup"]["conv plan, --compile"],
            ce=c["compile_vs_eager"]), ""]
    if data.get("peer"):
        lines += peer(data["peer"], lang) + [""]
    if data.get("pipelines"):
        lines += [t["pipelines"], "", t["pcols"], "| --- | --- | --- | --- | --- | --- |"]
        for r in data["pipelines"]:
            dl, tn = r["dataloader"], r["tensor"]
            # Fetching alone and the whole epoch are timed in separate passes; where fetching
            # is all of the epoch (softmax), noise can put the ratio above 1: shown as 100%.
            share = min(1.0, dl["fetch_seconds"] / dl["seconds"])
            lines.append(f"| {case(r['case'], lang)} | {dl['examples_per_sec']:,.0f} | "
                         f"{tn['examples_per_sec']:,.0f} | {times(r['ratio'], lang)} | {share:.0%} | "
                         f"{t['yes'] if r['same_weights'] else t['no']} |")
    if data.get("mnist_full"):
        m = data["mnist_full"]
        lines += ["", t["mnist"].format(epochs=m["epochs"], dl=m["dataloader"], tn=m["tensor"],
                                        r=m["dataloader"] / m["tensor"])]
    return "\n".join(lines).strip()


def peer(data: dict, lang: str) -> list[str]:
    """The d2l package against lab3 (tools/benchmark.py, section peer)."""
    t = TEXT[lang]
    if "skipped" in data:
        return [t["peer_skipped"].format(reason=data["skipped"])]
    env, loads = data["environment"], [one for one, _, _ in data["load_average"]]
    lines = [t["peer"].format(cpu=env["device_name"], threads=env["cpu_threads"],
                              torch=env["torch"], load=f"{min(loads):.1f}-{max(loads):.1f}",
                              version=data["d2l"], rounds=data["rounds"]), "", t["qcols"],
             "| --- | --- | --- | --- | --- | --- |"]
    names = ("d2l train_ch6", "lab3 eager", "lab3 --compile")
    notes = []
    for row in data["cases"]:
        v = row["variants"]
        for key, label in t["counted"].items():
            fmt = "{:,.1f}" if key == "wall_seconds" else "{:,.0f}"
            cells = [fmt.format(v[n][f"median_{key}"]) for n in names]
            ratio = "ratio_" + key.replace("_seconds", "")  # ratio_rate, ratio_wall
            each = "/".join(f"{r:.2f}" for r in v["lab3 --compile"][ratio])
            setting = t["case"].format(bs=row["batch_size"], epochs=row["epochs"])
            lines.append(f"| {setting} | {label} | {' | '.join(cells)} | "
                         f"{times(v['lab3 --compile'][f'median_{ratio}'], lang)}"
                         f"{' ' if lang == 'en' else ''}{brackets(each, lang)} |")
        said = v["lab3 --compile"]["said"].replace("\n", " ")
        notes.append(t["chose"].format(bs=row["batch_size"], said=f"`{said}`"))
    return lines + [""] + [f"- {n}" for n in notes]


def torch_versions(data: dict, lang: str = "en") -> str:
    """What lab3 --compile does on each torch release (tools/platforms.py torches)."""
    zh = lang == "zh"
    lines = ["| torch | Python | `--compile` 的输出 | 与 eager 数值一致 |" if zh else
             "| torch | Python | what `--compile` said | eager's numbers |",
             "| --- | --- | --- | --- |"]
    for row in data["rows"]:
        said = row.get("said") or row.get("error", "")
        same = {True: "是" if zh else "yes", False: "否" if zh else "NO"}[
            bool(row.get("same_numbers"))]
        lines.append(f"| {row['torch']} | {row['python']} | `{said}` | {same} |")
    note = (f"（`python -m tools.platforms torches`，{data['run_on']}，lab3 `--smoke`，各版本一个"
            f"独立虚拟环境）") if zh else (f"(`python -m tools.platforms torches`, "
                                          f"{data['run_on']}, lab3 `--smoke`, a virtual "
                                          f"environment per release)")
    return "\n".join(lines + ["", note])


def platforms(data: dict, lang: str = "en") -> str:
    """What pip resolves on each platform, from results/platforms.json."""
    head = ("| platform | Python | torch | torchvision | numpy | pandas | GPU in the wheel | |"
            if lang == "en" else
            "| 平台 | Python | torch | torchvision | numpy | pandas | 安装包自带的 GPU 支持 | |")
    lines = [head, "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    gpu = {("en", True): "CUDA", ("en", False): "none (CPU only)",
           ("zh", True): "CUDA", ("zh", False): "无（仅 CPU）"}
    for row in data["rows"]:
        if row["torch"] is None:
            cells = ["-"] * 5
            reason = (row.get("no_torch") or {}).get(lang) or row["verdict"].split(": ", 1)[-1]
            status = ("无：" if lang == "zh" else "none: ") + reason
        else:
            cells = [row[k] for k in ("torch", "torchvision", "numpy", "pandas")]
            kind = gpu[(lang, row["cuda_libraries"])]
            if row["platform"].endswith("arm64") and row["platform"].startswith("macOS"):
                kind = "MPS"
            cells.append(kind)
            status = ("通过" if lang == "zh" else "ok") if row["ok"] else \
                f"**{row['verdict']}**"
        lines.append(f"| {row['platform']} | {row['python']} | {' | '.join(cells)} | {status} |")
    when = data["resolved_on"]
    lines.append("")
    lines.append(f"由 `python -m tools.platforms resolve --write` 于 {when} 用 uv {data['uv']} 解析。"
                 if lang == "zh" else
                 f"Resolved by `python -m tools.platforms resolve --write` on {when} with uv "
                 f"{data['uv']}.")
    return "\n".join(lines)


ACCELERATOR = {
    "en": {"head": "Measured by `bash tools/gpu_check.sh` (`python -m tools.benchmark --sections "
                   "accelerator`) on one {device} (torch {torch}) against the CPU of the same "
                   "machine ({cpu}; one thread up to batch 8, as speed.conv_plan runs it, "
                   "{threads} above): the d2l LeNet's training loop (lab3_lenet.train_epoch), "
                   "examples/sec, medians of interleaved rounds after a warm pass.",
           "cols": "| batch | CPU | CUDA eager | CUDA graph (`--cuda-graph`) | graph + "
                   "`--compile` | eager / CPU | graph / CPU | graph / published |",
           "published": {4: "the write-up's 1,095.7 (its GPU)", 256: "the d2l book's 55,297"},
           "versus": "{r} {ref}",
           "warm": "Capturing the step takes {capture:.2f} s; compiling it too takes {c4:.1f} s "
                   "(batch 4) and {c256:.1f} s (batch 256).",
           "profile": "Per batch-4 step (torch.profiler, 50 steps): eager CUDA launches "
                      "{el:.0f} kernels, and the GPU is busy {eb:.0f} µs of it; a graph replay is "
                      "{gl:.0f} launch, the GPU busy {gb:.0f} µs and the CPU {gc:.0f} µs, so the "
                      "captured step is bound by the GPU running its small kernels one after "
                      "another; with `--compile` some are fused ({cb:.0f} µs).",
           "none": "-"},
    "zh": {"head": "由 `bash tools/gpu_check.sh`（`python -m tools.benchmark --sections accelerator`）"
                   "在一块 {device}（torch {torch}）上测得，对比同一台机器的 CPU（{cpu}；批量大小 8 "
                   "以内按 speed.conv_plan 用单线程，更大时用 {threads} 个线程）：d2l LeNet 的训练"
                   "循环（lab3_lenet.train_epoch），单位为每秒样本数，预热一遍后取交替多轮的中位数。",
           "cols": "| 批量大小 | CPU | CUDA eager | CUDA 图（`--cuda-graph`） | CUDA 图 + "
                   "`--compile` | eager / CPU | CUDA 图 / CPU | CUDA 图 / 参考值 |",
           "published": {4: "实验报告在其 GPU 上的 1,095.7", 256: "d2l 教材的 55,297"},
           "warm": "捕获训练步需要 {capture:.2f} 秒；再加上编译需要 {c4:.1f} 秒（批量大小 4）和 "
                   "{c256:.1f} 秒（批量大小 256）。",
           "profile": "批量大小 4 的每一步（torch.profiler，50 步）：eager 模式下 CUDA 要启动 {el:.0f} "
                      "个内核，GPU 实际忙碌 {eb:.0f} 微秒；回放 CUDA 图只需启动 {gl:.0f} 次，GPU 忙碌 "
                      "{gb:.0f} 微秒，CPU 用 {gc:.0f} 微秒，所以捕获后的训练步受限于 GPU 依次执行这些"
                      "小内核；加上 `--compile` 后部分内核被融合（{cb:.0f} 微秒）。",
           "versus": "{r}（参考值：{ref}）",
           "none": "-"},
}


def accelerator(runs: list[dict], lang: str = "en") -> str:
    """The GPU speed table, from results/cuda/speed.json (and crossover.json, more batch
    sizes): each variant's examples/sec by batch size, and the ratios the docs quote."""
    t = ACCELERATOR[lang]
    first = runs[0]
    acc = first["accelerator"]
    cases = {}
    for run in runs:
        for case in run["accelerator"]["cases"]:
            batch = int(case["case"].rsplit(" ", 1)[1])
            cases.setdefault(batch, {}).update({k: v["median"]
                                                for k, v in case["variants"].items()})
    lines = [t["head"].format(device=acc["device"], torch=first["environment"]["torch"],
                              cpu=acc["cpu"], threads=acc["cpu_threads"]), "",
             t["cols"], "| --- " * 8 + "|"]
    for batch in sorted(cases):
        v = cases[batch]

        def rate(key):
            return f"{v[key]:,.0f}" if key in v else t["none"]

        def ratio(a, b):
            return times(v[a] / v[b], lang) if a in v and b in v else t["none"]
        published = {4: 1095.7, 256: 55296.6}.get(batch)
        versus = (t["versus"].format(r=times(v['cuda graph'] / published, lang, 1),
                                     ref=t["published"][batch])
                  if published and "cuda graph" in v else t["none"])
        lines.append(f"| {batch} | {rate('cpu')} | {rate('eager')} | {rate('cuda graph')} | "
                     f"{rate('cuda graph + compile')} | {ratio('eager', 'cpu')} | "
                     f"{ratio('cuda graph', 'cpu')} | {versus} |")
    warm = {int(c["case"].rsplit(" ", 1)[1]): c["warm_seconds"] for c in acc["cases"]}
    if 4 in warm and 256 in warm and "cuda graph + compile" in warm[4]:
        lines += ["", t["warm"].format(capture=warm[4]["cuda graph"],
                                       c4=warm[4]["cuda graph + compile"],
                                       c256=warm[256]["cuda graph + compile"])]
    prof = acc.get("profile", {})
    if {"eager", "cuda graph", "cuda graph + compile"} <= set(prof):
        e, g, c = prof["eager"], prof["cuda graph"], prof["cuda graph + compile"]
        lines += ["", t["profile"].format(el=e["kernel_launches_per_step"],
                                          eb=e["device_busy_us_per_step"],
                                          gl=g["graph_launches_per_step"],
                                          gb=g["device_busy_us_per_step"],
                                          gc=g["cpu_us_per_step"],
                                          cb=c["device_busy_us_per_step"])]
    return "\n".join(lines)
