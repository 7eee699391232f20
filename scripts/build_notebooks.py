"""Write the notebooks in examples/ from this script and execute them, so their outputs can be committed.

    python scripts/build_notebooks.py            # write and execute every notebook
    python scripts/build_notebooks.py 02         # only the notebooks whose name contains "02"

The notebooks are data: edit them here, never by hand, then run this script and commit the .ipynb files
with their outputs. tests/test_notebooks.py executes the committed notebooks again and fails when an
output differs from the committed one (figures excluded), so a notebook never shows an answer the library
no longer gives. Every quotation in a markdown cell is checked here against the article in seeds/.

Needs the `test` extra (nbformat, nbclient, ipykernel) and matplotlib.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SEEDS = ROOT / "seeds"
KERNEL_NAME = "chipcontrol-python3"

# ------------------------------------------------------------------------------------------ running


def execute(nb: nbformat.NotebookNode, cwd: Path = EXAMPLES, timeout: int = 300) -> nbformat.NotebookNode:
    """Execute a notebook in a kernel running this very interpreter (whatever kernels Jupyter knows of)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="chipcontrol-kernel-") as tmp:
        spec_dir = Path(tmp) / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3",
            "language": "python",
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        ksm = KernelSpecManager(kernel_dirs=[str(Path(tmp) / "kernels")], ensure_native_kernel=False)
        km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
        client = NotebookClient(
            nb, km=km, timeout=timeout, record_timing=False, resources={"metadata": {"path": str(cwd)}}
        )
        try:
            client.execute()
        finally:  # nbclient leaves a kernel manager it was given running
            if km.has_kernel:
                km.shutdown_kernel(now=True)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def merge_streams(nb: nbformat.NotebookNode) -> None:
    """Join consecutive prints to the same stream: how the kernel chunks them depends on timing."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        merged = []
        for out in cell.outputs:
            if merged and out.output_type == "stream" and merged[-1].output_type == "stream" and merged[-1].name == out.name:
                merged[-1].text += out.text
            else:
                merged.append(out)
        cell.outputs = merged


def drop_stderr(nb: nbformat.NotebookNode) -> list[str]:
    """Remove what cells wrote to stderr (environment noise such as matplotlib's font-cache notice); return it."""
    dropped = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            dropped += [o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    return dropped


# ------------------------------------------------------------------------------------------ cells


def md(text: str):
    return new_markdown_cell(_dedent(text))


def code(text: str):
    return new_code_cell(_dedent(text))


def _dedent(text: str) -> str:
    """Remove the source's indentation, ignoring lines at column 0 (a quote() put there by an f-string)."""
    lines = text.strip("\n").split("\n")
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip() and line.startswith(" ")]
    cut = min(indents) if indents else 0
    return "\n".join(line[cut:] if line[:cut].strip() == "" else line for line in lines).strip("\n")


_SPACE = re.compile(r"\s+")


def _ws(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


_ARTICLES = {
    "article-000": ("000_f720d3a849a30e0e.txt", "August 2023"),
    "article-001": ("001_e888722ed7d0647b.txt", "June 2023"),
    "article-002": ("002_7087dd56938cb5fd.txt", "August 2023"),
    "article-003": ("003_681bdb423a779b41.txt", "2024"),
    "article-004": ("004_6c69375af6386867.txt", "November 2023"),
}


def quote(source_id: str, french: str, english: str) -> str:
    """A markdown blockquote of an article's verbatim words (checked here), our English, and a link to the text."""
    file, when = _ARTICLES[source_id]
    text = (SEEDS / file).read_text(encoding="utf-8")
    if _ws(french) not in _ws(text):
        raise SystemExit(f"not verbatim in {source_id} ({file}): {french!r}")
    return f"> « {french} »\n>\n> *“{english}”* — [{source_id}](../seeds/{file}), {when} (our translation)"


# ------------------------------------------------------------------------------------------ 01


def notebook_01():
    cells = [
        md(
            """
            # Was this order legal? The orders the founding articles report

            chipcontrol was founded on five French news articles (2023–2024, in [`seeds/`](../seeds/)) about
            Chinese firms buying NVIDIA GPUs while Washington tightened its export controls. Each reports
            orders, and says or implies whether they were allowed. This notebook takes each order **in the
            article's own words**, turns it into a `cc.Order`, asks the rulebook what US law required on that
            day, and compares: what the article said, what the law said, whether they agree.

            **How to read a verdict.** The coloured word is the outcome (`permitted`, `notification required`,
            `license required`, `prohibited`, or `undetermined` / `out of coverage` when the rulebook cannot
            answer). Under it come the *deciding rules*: each with its dates, the conditions it tested with
            this order's actual figures (the *margin* is actual minus threshold: +190 means 190 above the line,
            −32 means 32 below it), the legal instrument it implements, and the quotes that report it, each
            linked to the article's text. *Advisories* (reported or proposed measures, disagreements between an
            article and the law) never change the outcome. The rules that were checked but did not fire are
            folded away under "Checked, did not fire", with how the order missed each.
            """
        ),
        code(
            """
            %matplotlib inline
            import matplotlib.pyplot as plt
            import chipcontrol as cc
            from chipcontrol.render_html import verdict_table

            plt.rcParams["figure.dpi"] = 96
            rb = cc.load_rulebook()  # the bundled rule files, checked on load (quotes included)
            print(f"The rulebook speaks for {rb.coverage.start} to {rb.coverage.until} (end exclusive).")
            """
        ),
        md(
            f"""
            ## 1. ByteDance's 2023 purchases, from the A100 to the H800 (article 001, June 2023)

            {quote("article-001", "ByteDance avait passé un bon de commande pour quelque 100 000 cartes graphiques professionnelles Nvidia, allant du modèle Nvidia A100 au H800.", "ByteDance had placed an order for some 100,000 professional Nvidia graphics cards, ranging from the Nvidia A100 to the H800.")}

            {quote("article-001", "Il y a plusieurs mois, le gouvernement américain a interdit à Nvidia de distribuer ses A100 en Chine.", "Several months ago, the US government banned Nvidia from distributing its A100s in China.")}

            {quote("article-001", "Exactement, les deux peuvent être exportés vers le pays asiatique, selon le gouvernement américain lui-même.", "Precisely, both [the A800 and the H800] can be exported to the Asian country, according to the US government itself.")}

            The article is dated June 2023. We ask about a delivery to ByteDance in China in mid-June 2023 of
            each chip it names: the A100, the A800 and the H800.
            """
        ),
        code(
            """
            june_2023 = "2023-06-15"
            orders = [cc.Order(item=chip, buyer="ByteDance", destination="CN", date=june_2023)
                      for chip in ("A100", "A800", "H800")]
            verdicts = rb.evaluate_many(orders)
            verdict_table(verdicts)
            """
        ),
        md("The A100 in full: why it needed a licence, on whose authority, and what the articles said about it."),
        code("verdicts[0]"),
        md(
            """
            And why the A800 and H800 passed: the 2022 test needed **both** an I/O of 600 GB/s or more **and**
            a TPP of 4800 or more. Here are the A800's and H800's figures against it:
            """
        ),
        code(
            """
            for v in verdicts[1:]:
                finding = v.finding("bis-3a090-2023-01-china-macau")
                print(f"{v.order.item_name}: {finding.role.value}")
                for check in finding.checks:
                    print(f"    {check.test}: actual {check.actual:g}, margin {check.margin:+g}")
            """
        ),
        md(
            """
            **Article vs law: they agree.** The article says the A100 was banned in China and the A800 and
            H800 could be exported. The law on 15 June 2023: the A100 needed a licence, under the 2022 BIS rule
            (ECCN 3A090, as extended to Macau in January 2023: I/O 600 ≥ 600 and TPP 4992 ≥ 4800) and under
            NVIDIA's own notice of August 2022; the A800 and H800 were permitted, because their I/O of
            400 GB/s was 200 under the 600 GB/s line — their compute alone did not count in 2022.
            """
        ),
        md(
            f"""
            ## 2. The big four's A800 orders: for delivery in 2023, and for delivery in 2024 (articles 000, 002, 004)

            {quote("article-004", "Baidu, ByteDance, Tencent et Alibaba ont commandé collectivement environ 100 000 unités de processeurs A800 Nvidia qui seront livrées cette année", "Baidu, ByteDance, Tencent and Alibaba collectively ordered about 100,000 Nvidia A800 processors to be delivered this year")}

            {quote("article-004", "Ils ont également acheté pour 1 milliard de dollars de GPU dont la livraison est prévue en 2024.", "They also bought $1 billion of GPUs due for delivery in 2024.")}

            {quote("article-000", "ByteDance a commandé près de 70 000 puces A8, d'une valeur d'environ 700 millions de dollars, pour l'année prochaine.", "ByteDance ordered nearly 70,000 A8 chips [the A800], worth about $700 million, for next year.")}

            Article 000 was written in August 2023, so "next year" is 2024; article 004 (November 2023) says
            "this year" for 2023. (The two articles swap the amounts — $1 billion and $4 billion — between the
            two batches; the amounts do not change the law.) We ask about an A800 delivery to each of the four
            at the end of September 2023, and in mid-January 2024.
            """
        ),
        code(
            """
            buyers = ["Baidu", "ByteDance", "Tencent", "Alibaba"]
            orders = [cc.Order(item="A800", buyer=b, destination="CN", date=d)
                      for d in ("2023-09-30", "2024-01-15") for b in buyers]
            labels = [f"delivered {o.date:%B %Y}" for o in orders]
            verdict_table(rb.evaluate_many(orders), labels=labels, label_header="when")
            """
        ),
        md(
            """
            The same order on every day from 2023 to 2024, as a timeline: the coloured bar is the outcome, the
            table lists each period, what changed between them, and the sources of each change (click
            "source(s)" to unfold the quotes).
            """
        ),
        code(
            """
            a800 = cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2023-01-01")
            a800_timeline = rb.timeline(a800, start="2023-01-01", end="2025-01-01")
            a800_timeline
            """
        ),
        code('fig = a800_timeline.plot(label="A800 to ByteDance, China")'),
        md(
            """
            **Article vs law: they agree, with a date to add.** Deliveries "this year" were legal until
            22 October 2023. On 23 October NVIDIA announced that the new rule applied to its datacenter
            products at once (rule `nvda-2023-acceleration`), and from 17 November the 2023 BIS rule itself
            required a licence for the A800 — it dropped the I/O test, and the A800 keeps the A100's compute
            (TPP 4990 ≥ 4800). So the orders "for next year" were legal to place in August 2023 but could
            not be delivered in 2024 without a licence: the tightening that article 002 reported as expected
            (the advisory in the September 2023 rows above) did happen.
            """
        ),
        md(
            f"""
            ## 3. ByteDance's H20 purchases in 2024 (article 003)

            {quote("article-003", "Pour s’adapter, l’entreprise a développé le GPU H20, une version modifiée qui respecte les réglementations tout en offrant des performances réduites, mais suffisantes pour répondre aux besoins d’IA des entreprises chinoises.", "To adapt, the company developed the H20 GPU, a modified version that complies with the regulations while offering reduced performance, but enough to meet Chinese companies' AI needs.")}

            {quote("article-003", "devenant ainsi le plus grand acheteur d’H20 en Chine, avec plus de 2 milliards de dollars dépensés en 2024.", "thus becoming the largest buyer of H20s in China, with more than $2 billion spent in 2024.")}

            We ask about an H20 delivered to ByteDance in China in June 2024. No rule fired, so the verdict
            lists every rule it checked and by how much the H20 missed each threshold.
            """
        ),
        code(
            """
            h20 = rb.evaluate(cc.Order(item="H20", buyer="ByteDance", destination="CN", date="2024-06-01"))
            h20
            """
        ),
        code(
            """
            # The closest misses: the mid-range tests of the 2023 rule (3A090.b)
            for check in h20.finding("bis-3a090-2023-destinations").checks:
                if (check.term or "").startswith("3A090.b") and (check.margin or 0) < 0:
                    print(f"{check.term}: {check.test}  actual {check.actual:g}  margin {check.margin:+g}")
            """
        ),
        code(
            """
            h20_order = cc.Order(item="H20", buyer="ByteDance", destination="CN", date="2024-01-01")
            h20_timeline = rb.timeline(h20_order, start="2024-01-01", end=rb.coverage.until)
            fig = h20_timeline.plot(label="H20 to ByteDance, China")
            """
        ),
        md(
            """
            **Article vs law: they agree for 2024.** The H20 "complies with the regulations": its TPP of 2368 is
            32 under the 2400 of the 2023 mid-range test (3A090.b.1) and its performance density of 2.91 is
            under the 3.2 of the other (3A090.b.2), so no 2023 threshold catches it — although its I/O of
            900 GB/s is higher than the A100's, I/O no longer counts. What the article could not know: from
            9 April 2025 NVIDIA disclosed that the H20 needed a licence for China (rule `nvda-2025-h20-notice`),
            the red end of the bar above.
            """
        ),
        md(
            f"""
            ## 4. ByteDance's Huawei Ascend 910B order (article 003)

            {quote("article-003", "Reuters rapporte que la société oriente désormais son attention vers des fournisseurs de puces locaux tels que Huawei", "Reuters reports that the company is now turning its attention to local chip suppliers such as Huawei")}

            {quote("article-003", "Selon le rapport, ByteDance a acquis plus de 100 000 puces Ascend 910B à ce jour, ce qui en fait l’un des plus grands acheteurs du matériel d’IA de Huawei en Chine, bien qu’elle n’ait reçu qu’un tiers de la commande à la fin juillet.", "According to the report, ByteDance has acquired more than 100,000 Ascend 910B chips to date, making it one of the largest buyers of Huawei's AI hardware in China, although it had received only a third of the order by the end of July.")}

            The seller is Huawei (the chip's vendor, the default), the buyer ByteDance, in China, at the end of
            July 2024. We also ask about a delivery in June 2025, after BIS's guidance of May 2025.
            """
        ),
        code(
            """
            ascend = rb.evaluate_many([cc.Order(item="Ascend 910B", buyer="ByteDance", destination="CN", date=d)
                                       for d in ("2024-07-31", "2025-06-01")])
            ascend[0]
            """
        ),
        code("verdict_table(ascend)"),
        md(
            """
            **Article vs law: they agree.** The article presents the Ascend 910B as ByteDance's way around the
            US restrictions, and US export controls indeed do not reach it: a Chinese-designed chip made
            outside the US, sold in China, is not subject to the EAR (rule `ear-item-not-subject`), so the US
            rules in this rulebook do not apply. In 2025 the verdict carries an advisory: BIS's guidance of
            13 May 2025 says that using Ascend chips anywhere may violate General Prohibition 10 — guidance the
            rulebook shows but does not turn into an outcome.
            """
        ),
        md(
            f"""
            ## 5. Chinese firms renting cloud capacity (article 002)

            {quote("article-002", "Washington devrait également étendre ses restrictions d’exportation aux services de cloud, qui ne sont pour le moment pas concernés. Cette absence est mise à profit par les entreprises chinoises travaillant sur l’IA.", "Washington is also expected to extend its export restrictions to cloud services, which are not covered for the moment. Chinese AI companies are taking advantage of this gap.")}

            A cloud-access order has no chip: it is a Chinese firm (here ByteDance, one of the four the article
            names) renting compute from a provider. We ask in August 2023, when the article was written, and
            in June 2024.
            """
        ),
        code(
            """
            cloud = rb.evaluate_many([cc.Order(kind="cloud_access", buyer="ByteDance", date=d)
                                      for d in ("2023-08-15", "2024-06-01")])
            cloud[0]
            """
        ),
        code("verdict_table(cloud)"),
        md(
            """
            **Article vs law: they agree.** Renting remote access to chips is not an export under the rules
            encoded here, in 2023 or later (rule `cloud-access-not-an-export`). The extension the article
            expected shows as an advisory (`reported-2023-08-cloud-controls`); in 2024 the advisory is the
            IaaS proposal of January 2024, which would oblige US cloud providers to identify foreign customers —
            a proposal, not law.
            """
        ),
        md(
            f"""
            ## 6. A US fund investing in a Chinese AI start-up (articles 000 and 004)

            {quote("article-000", "Le 9 août, Washington a annoncé une nouvelle interdiction, applicable dès l'année prochaine, de certains investissements américains dans le secteur de la haute technologie chinois, notamment l'informatique quantique, les puces avancées et l'intelligence artificielle.", "On 9 August, Washington announced a new ban, applicable from next year, on certain US investments in China's high-tech sector, notably quantum computing, advanced chips and artificial intelligence.")}

            {quote("article-004", "01.AI, fondée fin mars par l’investisseur de premier plan Kai-Fu Lee, a acquis un nombre important de puces d’inférence hautes performances grâce à des prêts et a déjà remboursé sa dette après avoir levé des capitaux qui l’ont valorisée à 1 milliard de dollars.", "01.AI, founded at the end of March by the leading investor Kai-Fu Lee, acquired a large number of high-performance inference chips with loans and has already repaid its debt after raising capital that valued it at $1 billion.")}

            An investment order names the target as the buyer and has no chip. We ask about a US fund investing
            in 01.AI in November 2023 (the raise article 004 reports), in June 2024 (article 000's "next year"),
            and in March 2025.
            """
        ),
        code(
            """
            invest = rb.evaluate_many([cc.Order(kind="investment", buyer="01.AI", date=d)
                                       for d in ("2023-11-15", "2024-06-01", "2025-03-01")])
            verdict_table(invest)
            """
        ),
        code("invest[1]"),
        md(
            """
            In 2025 the answer is `undetermined`: the Treasury rule (31 CFR Part 850, in force from 2 January
            2025) prohibits or requires notice of an investment depending on what the target does — how much
            compute trained its largest model, military or surveillance uses, chip design, quantum — and
            neither article says. Stating those facts, as an inline `cc.Party`, gives an answer (these profiles
            are hypothetical, not 01.AI's):
            """
        ),
        code(
            """
            def start_up(training_ops):
                \"\"\"A hypothetical Chinese AI start-up whose largest model took `training_ops` operations.\"\"\"
                return cc.Party(
                    name=f"a Chinese AI start-up, model trained with {training_ops:.0e} operations",
                    headquarters="CN",
                    ai_training_compute_ops=training_ops,
                    ai_military_intelligence_surveillance=False,
                    designs_3a090a_ics=False,
                    other_semiconductor_activity=False,
                    quantum=False,
                )

            verdict_table(rb.evaluate_many([cc.Order(kind="investment", buyer=start_up(ops), date="2025-03-01")
                                            for ops in (1e22, 5e24, 3e25)]))
            """
        ),
        md(
            """
            **Article vs law: they disagree on the date.** Article 000 says the ban would apply "from next
            year", i.e. 2024. The executive order of 9 August 2023 only announced a programme; the Treasury
            rule that implements it applies to transactions completed on or after 2 January 2025. So an
            investment in June 2024 was not yet restricted — the verdict carries the disagreement as a
            `discrepancy` advisory, quoting the article and citing the rule.
            """
        ),
        md(
            """
            ## Summary: each article's claim against the law

            Each row is a claim one of the articles makes, the order that tests it, and the outcome the claim
            implies; the last column says whether the rulebook agrees.
            """
        ),
        code(
            """
            OK, LICENCE, BANNED = cc.Outcome.PERMITTED, cc.Outcome.LICENSE_REQUIRED, cc.Outcome.PROHIBITED
            claims = [  # (the claim, the order that tests it, the outcome the claim implies)
                ("001: the A100 was banned in China", dict(item="A100", date="2023-06-15"), LICENCE),
                ("001: the A800 could be exported to China", dict(item="A800", date="2023-06-15"), OK),
                ("001: the H800 could be exported to China", dict(item="H800", date="2023-06-15"), OK),
                ("004: A800s delivered to the big four in 2023", dict(item="A800", date="2023-09-30"), OK),
                ("003: Nvidia had to stop its AI chip exports", dict(item="A800", date="2024-01-15"), LICENCE),
                ("003: the H20 complies with the regulations", dict(item="H20", date="2024-06-01"), OK),
                ("003: Huawei's Ascend 910B avoids US rules", dict(item="Ascend 910B", date="2024-07-31"), OK),
                ("002: cloud services are not covered", dict(kind="cloud_access", date="2023-08-15"), OK),
                ("000: the investment ban applies in 2024", dict(kind="investment", date="2024-06-01"), BANNED),
            ]
            for claim, fields, said in claims:
                buyer = "01.AI" if fields.get("kind") == "investment" else "ByteDance"
                law = rb.evaluate(cc.Order(buyer=buyer, **fields)).outcome
                print(f"{claim:47} {fields['date']}  article: {said.value:16} law: {law.value:16} "
                      f"{'agree' if law is said else 'DISAGREE'}")
            """
        ),
        md(
            """
            Eight claims agree with the law; the ninth, the start date of the investment ban, is a year early.
            Next: [02 — how the controls moved](02_how_the_controls_moved.ipynb) follows every datacenter chip
            from 2022 to September 2026.
            """
        ),
    ]
    return cells


# ------------------------------------------------------------------------------------------ 02


def notebook_02():
    return [
        md(
            f"""
            # How the controls moved: every datacenter chip to a Chinese buyer, 2022 to September 2026

            Between 2022 and 2025 the US rules on AI chips for China moved four times, and NVIDIA shaped chips
            to pass each version; from September 2025 the changes were about *who* may buy:

            * **26 August 2022** — NVIDIA's notice: the A100 and H100 need a licence for China and Russia.
            * **21 October 2022** — the BIS rule (ECCN 3A090): an IC needs a licence for China when its
              chip-to-chip I/O is at least 600 GB/s **and** its TPP at least 4800 (Macau added on 17 January 2023).
            * **17 November 2023** — the 2023 rule: I/O no longer counts; TPP ≥ 4800 is enough, and new tests on
              performance density (PD) catch mid-range chips; it reaches D:1/D:4/D:5 countries and buyers
              headquartered in China or Macau anywhere. NVIDIA applied it from **23 October 2023**.
            * **April 2025** — NVIDIA's and AMD's notices: the H20 and MI308 need a licence.
            * **September–November 2025** — new Entity List entries (Shanghai Fudan Microelectronics and others,
              12 September), the Affiliates rule (29 September: a buyer owned 50 % or more by listed parties
              inherits their licence requirement) and its one-year stay (10 November); Cambodia leaves Country
              Group D:5 (7 November by the State Department's change, 3 February 2026 by BIS's conforming rule:
              the rulebook follows the first and flags the second).
            * **15 January 2026** — the H200 rule: H200-class exports from the US to China and Macau still need
              a licence, now reviewed case by case on seven conditions; a 25 % Section 232 duty on the H200 and
              MI325X bands the same day (a tariff, shown as an advisory).
            * **10 July 2026** — the UAE moves to Country Group A:5, with a UAE-specific licence requirement that
              spares the UAE Government, G42, Core42 and the US AI firms the rule names.

            The verified coverage ends on 19 September 2026; the Affiliates rule's return on 10 November 2026 is
            scheduled but unverified (`provisional=True`).

            {quote("article-002", "Pour continuer de vendre ses GPU d’IA en Chine, le groupe a lancé deux nouvelles puces, déclinaisons de ses produits phares, l’A100 et la plus récente H100. Baptisées A800 et H800, celles-ci sont capables d’entraîner des modèles, mais elles ne sont pas suffisamment puissantes pour être concernées par les restrictions d’exportation vers la Chine.", "To keep selling its AI GPUs in China, the group launched two new chips, variants of its flagship products, the A100 and the newer H100. Named A800 and H800, they can train models, but they are not powerful enough to be covered by the export restrictions to China.")}

            {quote("article-000", "La puce A800 est une version moins performante de la puce A100 de Nvidia.", "The A800 chip is a less powerful version of Nvidia's A100 chip.")}
            """
        ),
        code(
            """
            %matplotlib inline
            import matplotlib.pyplot as plt
            import chipcontrol as cc
            from chipcontrol.plot import plot_thresholds, plot_timelines
            from chipcontrol.render_html import verdict_table

            plt.rcParams["figure.dpi"] = 96
            rb = cc.load_rulebook()
            """
        ),
        md("The figures the rules read, for every catalog chip designed or marketed for datacenters (— : not published):"),
        code(
            """
            def released(record):  # announced on, as precisely as known (the coverage's start if unknown)
                return max(record.release.earliest, rb.coverage.start) if record.release else rb.coverage.start

            # datacenter chips on the market before the coverage ends, each followed from its release
            datacenter = [r for r in rb.chips.values() if r.datacenter.value and released(r) < rb.coverage.until]

            def fmt(value, spec):
                return "—" if value is None else format(value, spec)

            print(f"{'chip':26} {'TPP':>8} {'PD':>6} {'I/O GB/s':>9}  subject to the EAR")
            for record in datacenter:
                chip = record.to_chip()
                print(f"{chip.name:26} {fmt(chip.tpp, '8.1f')} {fmt(chip.performance_density, '6.2f')} "
                      f"{fmt(chip.io_bidirectional_gbps, '9.0f')}  {'yes' if chip.subject_to_ear else 'no'}")
            """
        ),
        md(
            """
            ## Every datacenter chip to ByteDance, on every day from 2022 to the end of the coverage

            One row per chip, from its release (chips released later, such as the B200 or MI325X, are left out),
            the same buyer (ByteDance) and destination (China). Each numbered line marks a
            day on which at least one row's verdict changed; a dark tick shows which rows; the key under the
            figure says what changed that day.
            """
        ),
        code(
            """
            timelines = [
                rb.timeline(cc.Order(item=record.id, buyer="ByteDance", destination="CN", date=released(record)),
                            start=released(record), end=rb.coverage.until)
                for record in datacenter
            ]
            fig = plot_timelines(timelines, labels=[record.name for record in datacenter],
                                 title="Every catalog datacenter chip to ByteDance (China), 2022 to Sept. 2026")
            """
        ),
        md("The first day each chip needed a licence (or a notification), and the rules that decided it that day:"),
        code(
            """
            for record, timeline in zip(datacenter, timelines):
                first = next((s for s in timeline.segments if s.outcome is not cc.Outcome.PERMITTED), None)
                if first is None:
                    print(f"{record.name:26} never restricted before {rb.coverage.until}")
                else:
                    rules = ", ".join(first.deciding_rule_ids)
                    print(f"{record.name:26} {first.outcome.value:22} from {first.start}: {rules}")
            """
        ),
        md(
            """
            Reading the figure: the A100 and H100 turn red on 26 August 2022 (NVIDIA's notice), then the 2022
            rule and its Macau version take over; the AMD and Intel parts with I/O ≥ 600 follow on 21 October
            2022. The A800, H800 and L40S stay green until October 2023 — they were under the 2022 I/O line —
            and the H20 stays green until April 2025. The L40 needs only a notification under License
            Exception NAC. The MI308's figures are not published, so the rulebook answers `undetermined` until
            AMD's own notice of April 2025 settles it; the L2 and L20 are under every threshold; the Ascend
            910B is not subject to US export controls at all.

            ## Where each chip sat against the thresholds

            Panel A is the 2022 test, panel B the 2023 tests. A chip is caught where the shading is; a chip
            just outside a line was, most likely, designed to be there.
            """
        ),
        code("fig = plot_thresholds(rb)"),
        md(
            """
            How the four highlighted chips were shaped to pass, in the rulebook's own numbers (the margins are
            actual minus threshold):
            """
        ),
        code(
            """
            def show_checks(item, date, rule_id, terms=None):
                v = rb.evaluate(cc.Order(item=item, buyer="ByteDance", destination="CN", date=date))
                role = v.finding(rule_id).role.value
                print(f"{v.order.item_name}, {date}: {v.outcome.value}; {rule_id}: {role}")
                for c in v.finding(rule_id).checks:
                    if c.margin is not None and (terms is None or (c.term or "").startswith(terms)):
                        print(f"    {c.term or '':16} {c.test:38} actual {c.actual:>8g}   margin {c.margin:+g}")

            show_checks("A800", "2023-06-15", "bis-3a090-2023-01-china-macau")
            show_checks("H800", "2023-06-15", "bis-3a090-2023-01-china-macau")
            show_checks("A800", "2024-01-15", "bis-3a090-2023-destinations", "3A090.a.1")
            show_checks("H20", "2024-06-01", "bis-3a090-2023-destinations", "3A090.b")
            show_checks("RTX 4090D", "2024-06-01", "bis-3a090-2023-destinations", "3A090-note-2")
            """
        ),
        md(
            """
            * **A800 and H800** (2022): the A100's and H100's compute with the I/O cut to 400 GB/s, 200 under
              the 600 GB/s the 2022 test needed. The 2023 rule dropped I/O and caught both on TPP alone.
            * **H20** (2023): TPP 2368, 32 under the 2400 of 3A090.b.1, and PD 2.91 under the 3.2 of 3A090.b.2
              — just outside both mid-range tests, with the H100 SXM5's own I/O of 900 GB/s.
            * **RTX 4090 D** (2023): a gaming card, not a datacenter one. The RTX 4090's TPP of 5285 is over
              4800, so it needs a notification under License Exception NAC; the 4090 D's 4707 is under 4800,
              which puts it inside Note 2 (non-datacenter chips under 4800 are not 3A090 items), although its
              PD of 7.74 is above 5.92.
            """
        ),
        code(
            """
            gaming = [cc.Order(item=chip, buyer="ByteDance", destination="CN", date="2024-06-01")
                      for chip in ("RTX 4090", "RTX 4090D")]
            verdict_table(rb.evaluate_many(gaming))
            """
        ),
        md(
            """
            Next: [03 — same chip, other buyer](03_same_chip_other_buyer.ipynb) keeps one chip and changes the
            destination and the buyer.
            """
        ),
    ]


# ------------------------------------------------------------------------------------------ 03


def notebook_03():
    return [
        md(
            f"""
            # Same chip, other buyer: the H100 to eight destinations

            The 2023 rule (in force from 17 November 2023) looks at three things besides the chip: **where it
            goes** (a licence for Country Groups D:1, D:4 and D:5 unless the country is also in A:5 or A:6, and
            for Macau), **who buys it** (a licence wherever it goes when the buyer is headquartered in China,
            Macau or another D:5 country), and whether the buyer is on the **Entity List** (a licence for any
            item subject to the EAR). This notebook sends one chip, the NVIDIA H100 SXM5, to eight buyers and
            shows which rule decides each.

            The articles speak of China only; they also say why a large buyer keeps to the legal channel:

            {quote("article-003", "ne peut se permettre les risques juridiques et de réputation de participer à de tels marchés illégaux", "cannot afford the legal and reputational risks of taking part in such illegal markets")}
            """
        ),
        code(
            """
            import chipcontrol as cc
            from chipcontrol.render_html import verdict_table

            rb = cc.load_rulebook()

            def local(name, country):
                \"\"\"A buyer that is not in the catalog, headquartered in `country` (an inline cc.Party).\"\"\"
                return cc.Party(name=name, headquarters=country)

            cases = [  # (label, buyer, destination)
                ("China", "ByteDance", "CN"),
                ("Macau", local("a Macau data centre", "MO"), "MO"),
                ("Saudi Arabia", local("a Saudi data centre", "SA"), "SA"),
                ("Vietnam", local("a Vietnamese data centre", "VN"), "VN"),
                ("Israel", local("an Israeli data centre", "IL"), "IL"),
                ("Singapore", local("a Singapore data centre", "SG"), "SG"),
                ("a Chinese firm's Malaysian data centre", "ByteDance", "MY"),
                ("an Entity List buyer", "Biren", "CN"),
            ]

            def ask(date):
                orders = [cc.Order(item="H100", buyer=buyer, destination=dest, date=date)
                          for _, buyer, dest in cases]
                labels = [label for label, _, _ in cases]
                return verdict_table(rb.evaluate_many(orders), labels=labels, label_header="who")

            ask("2024-06-01")
            """
        ),
        md(
            """
            In June 2024:

            * **China** — three rules: the destination (China is in D:1, D:4 and D:5), the buyer's headquarters,
              and NVIDIA's 2022 notice for the A100/H100 class.
            * **Macau** — the 2023 rule names Macau explicitly, as a destination and as a headquarters.
            * **Saudi Arabia and Vietnam** — a licence by destination alone: both are in D:1/D:4 and in neither
              A:5 nor A:6. (NVIDIA's filing of October 2023 named Saudi Arabia and Vietnam among the new
              destinations, "but excluding Israel".)
            * **Israel** — in D:4 but also in A:6, so the destination test does not apply: permitted.
            * **Singapore** — in none of the D groups: permitted.
            * **ByteDance's data centre in Malaysia** — Malaysia is not a controlled destination, but the buyer
              is headquartered in China: the headquarters rule alone requires a licence, wherever the chip goes.
            * **Biren** — on the Entity List since 17 October 2023: a licence under the Entity List rule on top
              of the China rules.

            The Malaysian case in full:
            """
        ),
        code(
            """
            malaysia = rb.evaluate(cc.Order(item="H100", buyer="ByteDance", destination="MY",
                                            date="2024-06-01"))
            malaysia
            """
        ),
        md("The same eight orders a year earlier, in June 2023, under the 2022 rule (China and Macau only):"),
        code('ask("2023-06-15")'),
        md(
            """
            In 2023 the H100 needed a licence for China (and Hong Kong, which the EAR treats as China) and
            Macau only; Saudi Arabia, Vietnam and a Chinese firm's data centre in Malaysia were open, and Biren
            was not listed yet. The 2023 rule closed the Malaysian route by looking at the buyer's headquarters.
            The timelines of five of these orders show when each door closed:
            """
        ),
        code(
            """
            %matplotlib inline
            import matplotlib.pyplot as plt
            from chipcontrol.plot import plot_timelines

            plt.rcParams["figure.dpi"] = 96
            picked = [cases[0], cases[2], cases[4], cases[6], cases[7]]
            timelines = [
                rb.timeline(cc.Order(item="H100", buyer=buyer, destination=dest, date="2022-01-01"),
                            start="2022-01-01", end=rb.coverage.until)
                for _, buyer, dest in picked
            ]
            fig = plot_timelines(timelines, labels=[f"H100 to {label}" for label, _, _ in picked],
                                 title="The H100 to five buyers, 2022 to September 2026")
            """
        ),
        md(
            """
            ## 2025–2026: who buys, how a licence is reviewed, and what is not an export control

            From September 2025 the rules changed less *which chip* needs a licence than *who* may buy it and
            *how* BIS reviews the application. Four orders tell the story; each answer prints its outcome, the
            deciding rules, the review policy and the advisories that do not change the outcome.
            """
        ),
        code(
            """
            def brief(v):
                policy = v.review_policy.value if v.review_policy else "—"
                notes = sorted({a.kind.value for a in v.advisories if a.kind.value not in ("resolution", "discrepancy")})
                return f"{v.outcome.value:22} {policy:24} {', '.join(v.deciding_rule_ids) or '—'}   [{', '.join(notes)}]"

            # 1. The H20 licences of August 2025: still a licence, and a revenue share that is not law
            for day in ("2025-08-01", "2025-08-20"):
                print("H20 -> ByteDance (CN)", day, brief(rb.evaluate(cc.Order(item="H20", buyer="ByteDance", destination="CN", date=day))))

            # 2. The H200 rule of 15 January 2026: the same licence, reviewed case by case, and a 25 % tariff
            for day in ("2026-01-14", "2026-02-01"):
                print("H200 -> Tencent (CN) ", day, brief(rb.evaluate(cc.Order(item="H200 SXM", buyer="Tencent", destination="CN", date=day))))
            v = rb.evaluate(cc.Order(item="H200 SXM", buyer="Tencent", destination="CN", date="2026-02-01"))
            print("  on condition:", *v.policy_conditions, sep="\\n    - ")

            # 3. The Affiliates rule (29 September 2025) and its stay (10 November 2025): a Singapore firm 60 % owned by Inspur
            affiliate = cc.Party(name="Inspur Cloud Singapore", headquarters="SG", lists=[], owners=[{"party": "Inspur Group", "share": 0.6}])
            for day in ("2025-09-28", "2025-10-15", "2025-11-10"):
                print("L2 -> Inspur affiliate ", day, brief(rb.evaluate(cc.Order(item="L2", buyer=affiliate, date=day))))

            # 4. The UAE in Country Group A:5 (10 July 2026): a licence unless the recipient is one the rule names
            dubai = cc.Party(name="Dubai Compute", headquarters="AE", lists=[])
            for buyer, day in ((dubai, "2026-07-09"), (dubai, "2026-07-10"), ("G42", "2026-07-10"), ("Microsoft", "2026-07-10")):
                name = buyer if isinstance(buyer, str) else buyer.name
                print(f"H100 PCIe -> {name:14}", day, brief(rb.evaluate(cc.Order(item="H100 PCIe", buyer=buyer, destination="AE", date=day))))
            """
        ),
        md(
            """
            Reading the answers: the H20 needs a licence all through 2025; from August a `not_export_control`
            advisory records the US Government's expectation of 15 % of the revenue, which no regulation codifies.
            The H200 to Tencent needs the same licences before and after 15 January 2026, but the review goes
            from a presumption of denial to case by case, on the seven conditions printed, and the Section 232
            duty shows as an advisory. The Inspur affiliate needs a licence only while the Affiliates rule was in
            force (29 September to 9 November 2025). The Dubai firm needs a licence under the 2023 rule (UAE in
            D:4, reviewed with a presumption of approval), then under the UAE rule; G42 and Microsoft are exempt.
            The `posture` advisories say what the AI Diffusion rule, codified but not enforced since May 2025,
            would add: `rb.evaluate(order, posture="codified")` applies it (its licence exception for close allies
            is not encoded, so it overstates the codified answer there).
            Past 19 September 2026 the rulebook answers `out_of_coverage`, or, with `provisional=True`, its best
            answer with the Affiliates rule's scheduled return (unverified).
            """
        ),
        md(
            """
            Next: [04 — write your own rule](04_write_your_own_rule.ipynb) adds a rule to a copy of the
            rulebook and sees which of these answers it would change.
            """
        ),
    ]


# ------------------------------------------------------------------------------------------ 04

_MEMO = """\
HYPOTHETICAL MEMO, written for the chipcontrol notebook 04_write_your_own_rule.
It is not a real document.

Suppose that, from 1 March 2024, any integrated circuit designed or marketed for
datacenters with a total processing performance of 2000 or more needed a licence
for export to any destination in Country Group D:5.
"""


def notebook_04():
    return [
        md(
            """
            # Write your own rule: a hypothetical tighter threshold

            The rules are data: YAML files under `rulesets/rules/`, each rule with its dates, its effect, its
            legal basis, at least one citation and a condition. This notebook copies the bundled rulebook to a
            temporary folder, adds a rule of our own — a **hypothetical** licence requirement for datacenter
            chips with a TPP of 2000 or more to D:5 countries from 1 March 2024, citing a memo we write
            ourselves — and asks which past orders it would have changed. Then it breaks the rule in a few
            ways and shows the loader refusing each, with an error that names the file, the rule and the
            problem.
            """
        ),
        code(
            """
            %matplotlib inline
            import hashlib
            import shutil
            import tempfile
            from pathlib import Path

            import matplotlib.pyplot as plt
            import chipcontrol as cc
            from chipcontrol.plot import plot_timelines
            from chipcontrol.render_html import show, verdict_table
            from chipcontrol.resources import bundled_rulesets, bundled_seeds

            plt.rcParams["figure.dpi"] = 96
            bundled = cc.load_rulebook()

            work = Path(tempfile.mkdtemp(prefix="chipcontrol-own-rule-"))
            shutil.copytree(bundled_rulesets(), work / "rulesets")
            shutil.copytree(bundled_seeds(), work / "seeds")  # articles are read from seeds/ beside rulesets/
            print("a copy of the rulebook in a temporary folder:", sorted(p.name for p in work.iterdir()))
            """
        ),
        md(
            """
            ## 1. The text the rule cites

            A citation of kind `article` must quote a text that sits in `seeds/`, word for word; the loader
            checks the quote, and the file's SHA-256 when the source gives one. We write a short memo — clearly
            marked as made up — and register it in `catalog/sources.yaml` with its hash, together with a
            made-up instrument for the rule's legal basis (a legal basis must be an `instrument`).
            """
        ),
        code(
            f"""
            memo = work / "seeds" / "hypothetical-memo-2024.txt"
            memo.write_text(\"\"\"{_MEMO}\"\"\", encoding="utf-8")
            memo_sha256 = hashlib.sha256(memo.read_bytes()).hexdigest()

            sources = work / "rulesets" / "catalog" / "sources.yaml"
            sources.write_text(sources.read_text(encoding="utf-8") + f\"\"\"
              - id: hypothetical-memo-2024
                kind: article
                title: "A hypothetical memo (written for this notebook; not a real document)"
                language: en
                file: hypothetical-memo-2024.txt
                sha256: {{memo_sha256}}
                confidence: unverified

              - id: hypothetical-rule-2024
                kind: instrument
                title: "A hypothetical rule (not a real instrument)"
                citation: "HYPOTHETICAL, not a real rule"
                confidence: unverified
            \"\"\", encoding="utf-8")
            print(f"wrote seeds/{{memo.name}}; registered it and a made-up instrument in catalog/sources.yaml")
            """
        ),
        md(
            """
            ## 2. The rule

            One file in `rulesets/rules/`. It reads top to bottom as a review: the title, the dates (`effective`
            inclusive, no `until`: open-ended), the effect, the legal basis, the quote, the explanation shown in
            every verdict, and the condition — a small declarative language over the order's facts, parsed,
            never executed.
            """
        ),
        code(
            """
            rule_file = work / "rulesets" / "rules" / "hypothetical-2024.yaml"
            rule_text = '''\\
            title: A hypothetical tighter threshold (tutorial only)
            rules:
              - id: hypothetical-tpp-2000-d5
                title: Hypothetical - datacenter ICs with TPP >= 2000 to D:5 need a licence from 2024-03-01
                effective: 2024-03-01
                effect: license_required
                confidence: unverified
                legal_basis:
                  source: hypothetical-rule-2024
                  provision: Hypothetical provision, for the tutorial
                citations:
                  - source: hypothetical-memo-2024
                    quote: >-
                      any integrated circuit designed or marketed for datacenters
                      with a total processing performance of 2000 or more needed a licence
                explanation: >-
                  A made-up rule: from 2024-03-01 a datacenter chip subject to the EAR with a TPP
                  of 2000 or more needs a licence for any D:5 destination.
                when: >-
                  chip.subject_to_ear and chip.datacenter and chip.tpp >= 2000
                  and destination in group("D:5")
            '''
            rule_file.write_text(rule_text, encoding="utf-8")
            mine = cc.load_rulebook(work / "rulesets")  # checked on load, like the bundled one
            print("loaded:", mine.rules["hypothetical-tpp-2000-d5"].title)
            """
        ),
        md(
            """
            ## 3. Which past orders would it have changed?

            Twelve chips, to ByteDance in China, on four dates from March 2024: the orders whose outcome
            differs between the bundled rulebook and ours.
            """
        ),
        code(
            """
            dates = ["2024-03-01", "2024-06-01", "2024-12-01", "2025-06-01"]
            chips = ["A100", "A800", "H100", "H800", "H20", "L40", "L40S", "L20", "L2",
                     "MI250", "Gaudi2", "Ascend 910B"]
            past = [cc.Order(item=chip, buyer="ByteDance", destination="CN", date=d)
                    for d in dates for chip in chips]
            before = bundled.evaluate_many(past)
            after = mine.evaluate_many(past)
            changed = [(b, a) for b, a in zip(before, after) if b.outcome is not a.outcome]
            print(f"{len(changed)} of {len(past)} orders change outcome")
            was = [f"was {b.outcome.value.replace('_', ' ')}" for b, _ in changed]
            verdict_table([a for _, a in changed], labels=was, label_header="before")
            """
        ),
        md(
            """
            Our rule catches the H20 (TPP 2368) and the L40 (2897, until now a notification under License
            Exception NAC) — until April 2025, when NVIDIA's own H20 notice requires a licence anyway. The L20
            (1912) and the L2 (1544) stay under 2000. The H20 in June 2024 under our rulebook, with the quote
            from our memo (links are off: the memo lives in the temporary folder):
            """
        ),
        code(
            """
            h20 = cc.Order(item="H20", buyer="ByteDance", destination="CN", date="2024-06-01")
            show(mine.evaluate(h20), link_base=None)
            """
        ),
        code(
            """
            h20_since_2024 = h20.model_copy(update={"date": "2024-01-01"})
            fig = plot_timelines(
                [book.timeline(h20_since_2024, "2024-01-01", book.coverage.until) for book in (bundled, mine)],
                labels=["H20 to ByteDance: bundled rulebook", "H20 to ByteDance: with our rule"],
                title="What the hypothetical rule would have changed for the H20",
            )
            """
        ),
        md(
            """
            ## 4. The loader refuses a broken rule

            Three broken versions: a quote that is not in the memo and a condition on a fact that does not
            exist; a misspelt key; and the memo edited after its hash was recorded. Each load fails with a
            `cc.RulebookError` that lists every problem it found, naming the file and the rule.
            """
        ),
        code(
            """
            def try_load(what):
                try:
                    cc.load_rulebook(work / "rulesets")
                    print(f"{what}: loaded")
                except cc.RulebookError as error:
                    print(f"{what}: refused\\n{error}\\n")

            broken = rule_text.replace("needed a licence", "always needs a licence")  # not in the memo
            broken = broken.replace("chip.tpp >= 2000", "chip.tops >= 2000")  # no such fact
            rule_file.write_text(broken, encoding="utf-8")
            try_load("misquoted memo, unknown fact")

            rule_file.write_text(rule_text.replace("effective:", "efective:"), encoding="utf-8")
            try_load("misspelt key")

            rule_file.write_text(rule_text, encoding="utf-8")
            memo.write_text(memo.read_text(encoding="utf-8").replace("2000", "1000"), encoding="utf-8")
            try_load("memo edited after its hash was recorded")
            """
        ),
        md(
            """
            ## 5. Lint: what loads but cannot be right

            `cc.lint` looks for rules that can never fire, exceptions that never apply and sources nobody
            cites. Our rule passes; a variant aimed at Russia (a destination the rulebook leaves out, because
            broad sanctions it does not encode apply there) loads, but lint reports it can never fire.
            """
        ),
        code(
            """
            memo.write_text(memo.read_text(encoding="utf-8").replace("1000", "2000"), encoding="utf-8")  # undo

            def lint_ours():
                report = cc.lint(cc.load_rulebook(work / "rulesets"))
                return [issue for issue in report.issues if "hypothetical" in issue.where]

            print("issues with our rule:", lint_ours() or "none")

            russia = rule_text.replace('destination in group("D:5")', 'destination == "RU"')
            rule_file.write_text(russia, encoding="utf-8")
            for issue in lint_ours():
                print(f"{issue.severity.value}: {issue.where}: [{issue.code}] {issue.message}")
            """
        ),
        code(
            """
            shutil.rmtree(work)  # the temporary copy is no longer needed
            """
        ),
    ]


# ------------------------------------------------------------------------------------------ 05


def notebook_05():
    return [
        md(
            f"""
            # The audit trail: certificates, counterfactuals, impact reports, and what we knew when

            Article 000 tells of China's tech giants stockpiling NVIDIA A800s in the summer of 2023, for
            delivery the next year, before Washington could tighten the rules again:

            {quote("article-000", "Par ailleurs, ByteDance a commandé près de 70 000 puces A8, d'une valeur d'environ 700 millions de dollars, pour l'année prochaine.", "Moreover, ByteDance ordered nearly 70,000 A8[00] chips, worth about $700 million, for next year.")}

            {quote("article-000", "Les géants de la tech chinois s'empressent de constituer des stocks de puces A800, craignant que l'administration Biden n'impose de nouvelles restrictions à l'exportation qui affecteraient les puces d'entrée de gamme de Nvidia", "China's tech giants are rushing to build up stocks of A800 chips, fearing that the Biden administration will impose new export restrictions that would affect Nvidia's entry-level chips")}

            This notebook takes that order — an A800 for ByteDance, delivered in China in March 2024 — through
            the four audit features: a **decision certificate** that an auditor can re-check, the
            **counterfactuals** that would have flipped it, an **impact report** of the October 2023 rule over
            the founding articles' orders, and the answer **as it was known** before and after that rule was
            announced.
            """
        ),
        code(
            """
            import json
            import shutil
            import tempfile
            from pathlib import Path

            import pandas as pd
            import chipcontrol as cc
            from chipcontrol import certificate as cert
            from chipcontrol.resources import bundled_rulesets, bundled_seeds

            rb = cc.load_rulebook()
            stockpile = cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2024-03-01")
            verdict = rb.evaluate(stockpile)
            print(verdict.outcome.value, verdict.deciding_rule_ids, verdict.review_policy.value)
            """
        ),
        md(
            """
            ## 1. A decision certificate, verified — and a tampered copy failing

            `verdict.certificate()` records the order as asked, the inputs used (each chip figure and party fact,
            with its source), the verdict, the rulebook's hash, the SHA-256 of every cited source, under one
            digest. `cert.verify` (or `chipcontrol verify FILE`) recomputes the digest and re-evaluates the order.
            """
        ),
        code(
            """
            work = Path(tempfile.mkdtemp(prefix="chipcontrol-audit-"))
            record = verdict.certificate()
            cert.write(record, work / "a800-bytedance.json")
            print(cert.verify(cert.read(work / "a800-bytedance.json"), rb).message)

            tampered = cert.read(work / "a800-bytedance.json")
            tampered["verdict"]["outcome"] = "permitted"  # someone "fixes" the record
            check = cert.verify(tampered, rb)
            print(check.status.value, "ok" if check.ok else "FAILS", "-", check.message)
            """
        ),
        md(
            """
            ## 2. Counterfactuals: what would have let it through?

            `rb.counterfactual(order)` gives the nearest changes that make the order permitted (or
            notification-only), each re-evaluated: the last day it was permitted, and for each chip figure a rule
            reads, the value that passes and the margin.
            """
        ),
        code(
            """
            for alternative in rb.counterfactual(stockpile):
                if alternative.kind.value in ("date", "figure"):
                    print(f"[{alternative.kind.value}] {alternative.change.description}")
            """
        ),
        md(
            """
            ## 3. Impact report: which of the founding articles' orders did the 2023 rule flip?

            A small order book of the articles' orders (the A800 stockpiles of article 000, the H800, A100,
            L40S and RTX 4090 of articles 001–004, the H20 of article 003). `rb.diff(other, orders=book)` runs
            both rulebooks over it on the screen path and lists every order whose verdict changes, with the rule
            changes responsible. The "before" rulebook is a copy of the bundled one in which the October 2023
            rule's two licence requirements never fire (their condition set to `false`).
            """
        ),
        code(
            """
            book = pd.DataFrame([
                dict(item="A800", buyer="ByteDance", destination="CN", date="2024-03-01"),
                dict(item="A800", buyer="Baidu", destination="CN", date="2023-08-15"),
                dict(item="A800", buyer="Alibaba", destination="CN", date="2024-01-15"),
                dict(item="A800", buyer="Tencent", destination="CN", date="2024-01-15"),
                dict(item="H800", buyer="ByteDance", destination="CN", date="2024-01-15"),
                dict(item="A100", buyer="Baidu", destination="CN", date="2024-01-15"),
                dict(item="L40S", buyer="Alibaba", destination="CN", date="2024-01-15"),
                dict(item="H20", buyer="ByteDance", destination="CN", date="2024-06-01"),
                dict(item="RTX 4090", buyer="Tencent", destination="CN", date="2024-01-15"),
            ])
            shutil.copytree(bundled_rulesets(), work / "without-2023" / "rulesets")
            shutil.copytree(bundled_seeds(), work / "without-2023" / "seeds")
            rule_file = work / "without-2023" / "rulesets" / "rules" / "bis-acs-ifr-2023-10.yaml"
            text = rule_file.read_text(encoding="utf-8")
            for term in ("acs-2023-destination", "acs-2023-headquarters"):
                text = text.replace(f'when: chip.subject_to_ear and term("3A090-2023") and term("{term}")', 'when: "false"', 1)
            rule_file.write_text(text, encoding="utf-8")
            without_2023 = cc.load_rulebook(work / "without-2023" / "rulesets")

            report = without_2023.diff(rb, orders=book)
            print(report.to_text())
            """
        ),
        md(
            """
            Every A800, H800 and L40S order dated after 17 November 2023 flips from permitted to a licence under
            presumption of denial: the 2023 test dropped the 600 GB/s I/O criterion the A800 and H800 had been
            designed to miss. The A100 was already caught (NVIDIA's 2022 notice), so only its deciding rules
            change; the RTX 4090 becomes notification-only (License Exception NAC); the H20, designed under every
            2023 threshold, and the August 2023 A800 order do not flip.

            One changed threshold: raising 3A090.a.1 from TPP 4800 to 5000 (the A800's TPP is 4990) flips none of
            these orders — the A800 is still caught by 3A090.a.2 (TPP ≥ 1600 with performance density ≥ 5.92; the
            A800's is 6.04).
            """
        ),
        code(
            """
            shutil.copytree(bundled_rulesets(), work / "higher" / "rulesets")
            shutil.copytree(bundled_seeds(), work / "higher" / "seeds")
            rule_file = work / "higher" / "rulesets" / "rules" / "bis-acs-ifr-2023-10.yaml"
            rule_file.write_text(rule_file.read_text(encoding="utf-8").replace(
                "    when: chip.tpp >= 4800\\n", "    when: chip.tpp >= 5000\\n", 1), encoding="utf-8")
            higher = cc.load_rulebook(work / "higher" / "rulesets")
            print(rb.diff(higher, orders=book).headline())
            """
        ),
        md(
            """
            ## 4. What we knew when

            Every rule records when it became public (`announced`: the date and the source that shows it) beside
            when it took effect; a change without one is taken as public on the day it applied.
            `rb.evaluate(order, known_on=K)` answers with only what was public on K. The 2023 rule was announced on
            17 October 2023 (NVIDIA's 8-K of that day reports it) and took effect on 17 November 2023.
            """
        ),
        code(
            """
            for known_on in ("2023-09-01", "2023-10-18"):
                then = rb.evaluate(stockpile, known_on=known_on)
                print(f"as known on {known_on}: {then.outcome.value} {then.deciding_rule_ids}")
            print()
            print(rb.evaluate(stockpile, known_on="2023-09-01").advisories[-1].message)
            """
        ),
        md(
            """
            So on 1 September 2023 ByteDance's A800 order for delivery in March 2024 looked permitted; from
            17 October 2023 it did not. `rb.belief_timeline(order)` shows how the answer for the order's date
            changed as rules were announced (`chipcontrol beliefs ...` prints the same):
            """
        ),
        code(
            """
            print(rb.belief_timeline(stockpile).to_text())
            """
        ),
        md(
            """
            What these do not yet cover: an announcement is recorded for rules and list entries only where the
            sheets give a date no later than the change took effect (notices disclosed after they applied, such as
            NVIDIA's 8-Ks of 2023 and 2025, are taken as public when they applied); a certificate records today's
            answer, not an as-known-on one.
            """
        ),
    ]


# ------------------------------------------------------------------------------------------ main

NOTEBOOKS = {
    "01_was_this_order_legal.ipynb": notebook_01,
    "02_how_the_controls_moved.ipynb": notebook_02,
    "03_same_chip_other_buyer.ipynb": notebook_03,
    "04_write_your_own_rule.ipynb": notebook_04,
    "05_audit_trail.ipynb": notebook_05,
}


def build(name: str, run: bool = True) -> Path:
    nb = new_notebook(cells=NOTEBOOKS[name]())
    for number, cell in enumerate(nb.cells):  # stable ids, so that a rebuild changes only what changed
        cell.id = f"cell-{number:02d}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    if run:
        execute(nb)
        merge_streams(nb)
        for text in drop_stderr(nb):
            print(f"  {name}: dropped stderr output: {text.strip()[:200]}", file=sys.stderr)
    path = EXAMPLES / name
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return path


def main(argv: list[str]) -> int:
    wanted = [n for n in NOTEBOOKS if not argv or any(a in n for a in argv)]
    if not wanted:
        print(f"no notebook matches {argv}; choose among {', '.join(NOTEBOOKS)}", file=sys.stderr)
        return 2
    EXAMPLES.mkdir(exist_ok=True)
    for name in wanted:
        print(f"building {name} ...", flush=True)
        build(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
