"""The templates Haven ships, written here with python-docx rather than kept as binary
files: a request for state protection and a criminal complaint to a Russian
investigative authority (in Russian), and a request for interim measures to the
European Court of Human Rights under Rule 39 (in English).

Each is an ordinary DOCX with docxtpl placeholders, so an administrator can download
it, change the wording in Word or LibreOffice and upload it as a new version.
Paragraph tags (``{%p for … %}``) stand alone in their paragraphs: docxtpl removes
those paragraphs and repeats the ones between them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

FONT = "Times New Roman"

# Who the document is about, as it is written in each language's letters.
PERSONS_RU = (
    "{% for person in persons %}{{ person.display }}{% if person.birth_date %}, "
    "{{ person.birth_date }} г. р.{% endif %}{% if not loop.last %}; {% endif %}{% endfor %}"
)
PERSONS_EN = (
    "{% for person in persons %}{{ person.display }}{% if person.birth_date %} "
    "(born {{ person.birth_date }}){% endif %}{% if not loop.last %}; {% endif %}{% endfor %}"
)


class _Letter:
    """A python-docx document with the few paragraph shapes a letter needs."""

    def __init__(self, title: str):
        import docx
        from docx.shared import Cm, Pt

        self.document = docx.Document()
        style = self.document.styles["Normal"]
        style.font.name = FONT
        style.font.size = Pt(12)
        section = self.document.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)
        section.top_margin = section.bottom_margin = Cm(2.0)
        properties = self.document.core_properties
        properties.title = title
        properties.author = "Haven"
        properties.comments = ""

    def _paragraph(self, text: str, *, bold=False, align=None, indent=False, space=6):
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm, Pt

        paragraph = self.document.add_paragraph()
        run = paragraph.add_run(text)
        run.bold = bold
        paragraph.alignment = {
            None: WD_ALIGN_PARAGRAPH.JUSTIFY,
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
        }[align]
        paragraph.paragraph_format.space_after = Pt(space)
        if indent:
            paragraph.paragraph_format.first_line_indent = Cm(1.25)
        return paragraph

    def addressee(self, *lines: str) -> None:
        from docx.shared import Cm

        for line in lines:
            paragraph = self._paragraph(line, align="left", space=0)
            paragraph.paragraph_format.left_indent = Cm(8.5)
        self.blank()

    def heading(self, text: str, sub: str = "") -> None:
        self._paragraph(text, bold=True, align="center", space=0 if sub else 12)
        if sub:
            self._paragraph(sub, bold=True, align="center", space=12)

    def section(self, text: str) -> None:
        self._paragraph(text, bold=True, align="left", space=6)

    def text(self, text: str) -> None:
        self._paragraph(text, indent=True)

    def tag(self, text: str) -> None:
        """A paragraph that holds only a docxtpl paragraph tag."""
        self._paragraph(text, align="left", space=0)

    def blank(self) -> None:
        self._paragraph("", align="left", space=0)

    def signature(self, left: str, right: str) -> None:
        self.blank()
        self._paragraph(f"{left}\t\t\t\t____________________ / {right}", align="left")

    def save(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()


def _facts_ru(letter: _Letter) -> None:
    letter.tag("{%p for incident in incidents %}")
    letter.text(
        "{{ loop.index }}. {{ incident.date }}{% if incident.place %}, {{ incident.place }}"
        "{% endif %}: {{ incident.title }}.{% if incident.description %} "
        "{{ incident.description }}{% endif %}{% if incident.stated_grounds %} Официально "
        "названное основание: {{ incident.stated_grounds }}.{% endif %}"
        "{% if incident.documented_motive %} Действительный мотив, по имеющимся сведениям: "
        "{{ incident.documented_motive }}.{% endif %}"
    )
    letter.tag("{%p for act in incident.acts %}")
    letter.text(
        "– {{ act.type }}: {{ act.victim }}, {{ act.date }}{% if act.place %}, "
        "{{ act.place }}{% endif %}{% if act.perpetrators %}; причастны: "
        "{{ act.perpetrators }}{% endif %}."
    )
    letter.tag("{%p endfor %}")
    letter.tag("{%p endfor %}")


def state_protection_ru() -> bytes:
    """Заявление о применении мер государственной защиты (119-ФЗ), in Russian."""
    letter = _Letter("Заявление о применении мер государственной защиты")
    letter.addressee(
        "Руководителю органа:",
        "{{ authority }}",
        "",
        "Заявитель: {{ lawyer.name }}, представитель",
        "{% if lawyer.email %}эл. почта: {{ lawyer.email }}{% endif %}",
        "в интересах: " + PERSONS_RU,
    )
    letter.tag(
        "{% if petition.reference %}Исх. № {{ petition.reference }}"
        "{% if petition.filed_on %} от {{ petition.filed_on }}{% endif %}{% endif %}"
    )
    letter.heading("ЗАЯВЛЕНИЕ", "о применении мер государственной защиты")
    letter.text(
        "Я, {{ lawyer.name }}, представляю интересы следующих лиц: {{ persons_display }} "
        "(дело {{ case.code }}). Полномочия подтверждаются доверенностью (ордером), прилагаемой "
        "к настоящему заявлению."
    )
    letter.text(
        "В соответствии с частью 3 статьи 11 Уголовно-процессуального кодекса Российской "
        "Федерации и Федеральным законом от 20.08.2004 № 119-ФЗ «О государственной защите "
        "потерпевших, свидетелей и иных участников уголовного судопроизводства» меры "
        "безопасности применяются при наличии достаточных данных о том, что участнику "
        "уголовного судопроизводства или его близким угрожают убийством, применением насилия, "
        "уничтожением или повреждением имущества либо иными опасными противоправными "
        "деяниями. Согласно части 2 статьи 2 указанного закона меры государственной защиты "
        "могут быть применены и до возбуждения уголовного дела в отношении заявителя, "
        "очевидца или жертвы преступления."
    )
    letter.section("Обстоятельства, свидетельствующие о реальной угрозе")
    _facts_ru(letter)
    letter.tag("{%p if risk.date %}")
    letter.text(
        "По оценке от {{ risk.date }} уровень угрозы — {{ risk.level }}. Источник угрозы: "
        "{{ risk.threat_sources }}. Характер угрозы: {{ risk.threat_types }}."
        "{% if risk.narrative %} {{ risk.narrative }}{% endif %}"
    )
    letter.tag("{%p endif %}")
    letter.text(
        "Изложенное свидетельствует о реальной угрозе жизни и здоровью указанных лиц, "
        "которая сохраняется в настоящее время."
    )
    letter.text(
        "На основании изложенного, руководствуясь статьёй 11 УПК РФ, статьями 2, 6 и 16 "
        "Федерального закона № 119-ФЗ,"
    )
    letter.heading("ПРОШУ:")
    letter.text(
        "1. Признать лицами, подлежащими государственной защите, следующих лиц: "
        "{{ persons_display }} — и применить к ним меры безопасности, предусмотренные "
        "статьёй 6 Федерального закона № 119-ФЗ, в том числе личную охрану, охрану "
        "жилища и имущества, обеспечение "
        "конфиденциальности сведений о защищаемых лицах, а при необходимости — временное "
        "помещение в безопасное место и переселение на другое место жительства."
    )
    letter.text(
        "2. Рассмотреть настоящее заявление в неотложном порядке с учётом характера угрозы."
    )
    letter.text(
        "3. О принятом решении и о применённых мерах безопасности уведомить заявителя в "
        "письменной форме."
    )
    letter.section("Приложения:")
    letter.text("1. Копия доверенности (ордер) представителя.")
    letter.tag("{%p for source in sources %}")
    letter.text("{{ loop.index + 1 }}. {{ source.kind }}: {{ source.title }} ({{ source.code }}).")
    letter.tag("{%p endfor %}")
    letter.signature("{{ today }}", "{{ lawyer.name }}")
    return letter.save()


def criminal_complaint_ru() -> bytes:
    """Заявление о преступлении (статья 141 УПК РФ), in Russian."""
    letter = _Letter("Заявление о преступлении")
    letter.addressee(
        "Руководителю органа:",
        "{{ authority }}",
        "",
        "Заявитель: {{ lawyer.name }}, представитель",
        "{% if lawyer.email %}эл. почта: {{ lawyer.email }}{% endif %}",
        "в интересах: " + PERSONS_RU,
    )
    letter.tag(
        "{% if petition.reference %}Исх. № {{ petition.reference }}"
        "{% if petition.filed_on %} от {{ petition.filed_on }}{% endif %}{% endif %}"
    )
    letter.heading("ЗАЯВЛЕНИЕ", "о преступлении")
    letter.text(
        "Я, {{ lawyer.name }}, действуя в интересах следующих лиц: {{ persons_display }} "
        "(дело {{ case.code }}), на основании статьи 141 Уголовно-процессуального кодекса "
        "Российской Федерации сообщаю о следующих преступлениях, совершённых в отношении "
        "моих доверителей."
    )
    letter.section("Обстоятельства")
    _facts_ru(letter)
    letter.text(
        "Изложенные действия содержат признаки преступлений против жизни, здоровья, свободы "
        "и личной неприкосновенности, предусмотренных Уголовным кодексом Российской Федерации."
    )
    letter.text("На основании изложенного, руководствуясь статьями 140, 141, 144 и 145 УПК РФ,")
    letter.heading("ПРОШУ:")
    letter.text(
        "1. Зарегистрировать настоящее заявление и провести проверку в порядке статей 144 и "
        "145 УПК РФ."
    )
    letter.text(
        "2. Возбудить уголовное дело по признакам преступлений, изложенных в заявлении, "
        "установить и привлечь к уголовной ответственности виновных лиц."
    )
    letter.text(
        "3. Признать потерпевшими следующих лиц: {{ persons_display }} — и рассмотреть "
        "вопрос о применении к ним мер государственной защиты."
    )
    letter.text(
        "4. О принятом решении уведомить заявителя в письменной форме в установленный законом срок."
    )
    letter.text(
        "Об уголовной ответственности за заведомо ложный донос по статье 306 Уголовного "
        "кодекса Российской Федерации предупреждён."
    )
    letter.section("Приложения:")
    letter.text("1. Копия доверенности (ордер) представителя.")
    letter.tag("{%p for source in sources %}")
    letter.text("{{ loop.index + 1 }}. {{ source.kind }}: {{ source.title }} ({{ source.code }}).")
    letter.tag("{%p endfor %}")
    letter.signature("{{ today }}", "{{ lawyer.name }}")
    return letter.save()


def echr_rule39_en() -> bytes:
    """A request for interim measures under Rule 39 of the Rules of Court, in English."""
    letter = _Letter("Request for interim measures (Rule 39)")
    letter.addressee(
        "European Court of Human Rights",
        "Council of Europe",
        "F-67075 Strasbourg Cedex",
        "France",
    )
    letter.heading("RULE 39 — URGENT", "Request for interim measures")
    letter.tag(
        "{% if petition.reference %}Our reference: {{ petition.reference }}"
        "{% if petition.filed_on %}, {{ petition.filed_on }}{% endif %}{% endif %}"
    )
    letter.section("1. The applicants")
    letter.tag("{%p for person in persons %}")
    letter.text(
        "{{ person.display }}{% if person.birth_date %}, born {{ person.birth_date }}"
        "{% endif %}{% if not person.named %} (identified here by a code: the applicant's "
        "name is withheld until they consent to its use){% endif %}."
    )
    letter.tag("{%p endfor %}")
    letter.section("2. The representative")
    letter.text(
        "{{ lawyer.name }}{% if lawyer.email %}, e-mail {{ lawyer.email }}{% endif %}. "
        "Authority forms are enclosed. Case reference in our files: {{ case.code }}."
    )
    letter.section("3. The respondent State")
    letter.text("Russian Federation.")
    letter.section("4. The facts")
    letter.tag("{%p for incident in incidents %}")
    letter.text(
        "{{ loop.index }}. {{ incident.date }}{% if incident.place %}, {{ incident.place }}"
        "{% endif %}: {{ incident.title }}.{% if incident.description %} "
        "{{ incident.description }}{% endif %}{% if incident.stated_grounds %} Reason "
        "given by the authorities: {{ incident.stated_grounds }}.{% endif %}"
        "{% if incident.documented_motive %} Motive as documented: "
        "{{ incident.documented_motive }}.{% endif %}"
    )
    letter.tag("{%p for act in incident.acts %}")
    letter.text(
        "– {{ act.type }} against {{ act.victim }} ({{ act.date }}{% if act.place %}, "
        "{{ act.place }}{% endif %}){% if act.perpetrators %}, by {{ act.perpetrators }}"
        "{% endif %}."
    )
    letter.tag("{%p endfor %}")
    letter.tag("{%p endfor %}")
    letter.section("5. The imminent risk of irreparable harm")
    letter.tag("{%p if risk.date %}")
    letter.text(
        "Our assessment of {{ risk.date }} rates the risk as {{ risk.level }}: threats from "
        "{{ risk.threat_sources }}; {{ risk.threat_types }}.{% if risk.narrative %} "
        "{{ risk.narrative }}{% endif %}"
    )
    letter.tag("{%p endif %}")
    letter.text(
        "The applicants face a real and imminent risk to their life and of treatment "
        "contrary to Articles 2 and 3 of the Convention. The domestic authorities have been "
        "informed{% if authority %} ({{ authority }}){% endif %} and have not removed the "
        "risk; no domestic remedy can prevent the harm in time."
    )
    letter.section("6. The measures requested")
    letter.text(
        "The applicants ask the Court to indicate to the Government of the respondent State, "
        "under Rule 39 of the Rules of Court, that they should take all necessary measures to "
        "protect the applicants' life and physical integrity, disclose their whereabouts and "
        "state of health, allow them access to their representative, and refrain from "
        "transferring them into the custody of those who threaten them, for the duration of "
        "the proceedings before the Court."
    )
    letter.section("7. Documents enclosed")
    letter.text("1. Authority forms signed by the applicants.")
    letter.tag("{%p for source in sources %}")
    letter.text("{{ loop.index + 1 }}. {{ source.kind }}: {{ source.title }} ({{ source.code }}).")
    letter.tag("{%p endfor %}")
    letter.signature("{{ today }}", "{{ lawyer.name }}")
    return letter.save()


@dataclass(frozen=True)
class Builtin:
    code: str
    name: str
    language: str
    petition_type: str  # a code of the petition_type vocabulary
    build: Callable[[], bytes]

    @property
    def file_name(self) -> str:
        return f"{self.code}.docx"


BUILTINS = [
    Builtin(
        "state_protection_ru",
        "Заявление о государственной защите (СК)",
        "ru",
        "state_protection",
        state_protection_ru,
    ),
    Builtin(
        "criminal_complaint_ru",
        "Заявление о преступлении",
        "ru",
        "criminal_complaint",
        criminal_complaint_ru,
    ),
    Builtin(
        "echr_rule39_en",
        "ECHR Rule 39 request for interim measures",
        "en",
        "echr_interim_measures",
        echr_rule39_en,
    ),
]
