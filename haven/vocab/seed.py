"""The default terms every new instance starts with (codes are stable; labels editable).

Where HURIDOCS micro-thesauri have a matching list, codes and labels follow them.
"""

DEFAULT_TERMS = {
    "channel": [
        ("hotline", "Hotline", "Горячая линия"),
        ("telegram", "Telegram", "Telegram"),
        ("signal", "Signal", "Signal"),
        ("email", "E-mail", "Эл. почта"),
        ("in_person", "In person", "Лично"),
        ("referral", "Referral from another organisation", "Направление от другой организации"),
        ("web_form", "Web form", "Веб-форма"),
    ],
    "threat_source": [
        ("state_agents", "State agents", "Представители государства"),
        ("family", "Family", "Семья"),
        ("community", "Community", "Окружение"),
        ("unknown", "Unknown", "Неизвестно"),
    ],
    "threat_type": [
        ("honour_killing", "Honour killing", "Убийство «чести»"),
        ("detention", "Detention", "Задержание"),
        ("abduction", "Abduction", "Похищение"),
        ("forced_outing", "Forced outing", "Принудительный аутинг"),
        ("extortion", "Extortion", "Вымогательство"),
        ("torture", "Torture or ill-treatment", "Пытки или жестокое обращение"),
    ],
    "action_type": [
        ("evacuation", "Evacuation", "Эвакуация"),
        ("relocation", "Relocation", "Переезд"),
        ("shelter", "Shelter", "Убежище"),
        ("documents", "Documents", "Документы"),
        ("legal_aid", "Legal aid", "Юридическая помощь"),
        ("medical", "Medical help", "Медицинская помощь"),
        ("psychological", "Psychological help", "Психологическая помощь"),
        ("financial", "Financial help", "Финансовая помощь"),
        ("referral", "Referral", "Направление"),
        ("petition", "Petition or complaint", "Ходатайство или жалоба"),
        ("follow_up", "Follow-up", "Контроль исполнения"),
    ],
    "petition_type": [
        ("state_protection", "Request for state protection", "Заявление о госзащите"),
        ("criminal_complaint", "Criminal complaint", "Заявление о преступлении"),
        ("appeal", "Appeal", "Жалоба на решение"),
        ("echr_application", "ECHR application", "Жалоба в ЕСПЧ"),
        (
            "echr_interim_measures",
            "ECHR request for interim measures (Rule 39)",
            "Запрос в ЕСПЧ об обеспечительных мерах (правило 39)",
        ),
        ("un_communication", "UN communication", "Сообщение в органы ООН"),
    ],
    "authority": [
        (
            "ic_chechnya",
            "Investigative Committee, Chechen Republic",
            "Следственное управление СК России по Чеченской Республике",
        ),
        ("ic_russia", "Investigative Committee of Russia", "Следственный комитет России"),
        ("prosecutor_general", "Prosecutor General's Office", "Генеральная прокуратура"),
        ("ombudsman", "Human Rights Commissioner", "Уполномоченный по правам человека"),
        ("court", "Court", "Суд"),
        ("echr", "European Court of Human Rights", "Европейский суд по правам человека"),
        ("un_hrc", "UN Human Rights Committee", "Комитет ООН по правам человека"),
    ],
    "consent_purpose": [
        ("legal_action", "Legal action", "Юридические действия"),
        ("referral", "Referral to another organisation", "Передача другой организации"),
        ("publication", "Publication", "Публикация"),
        ("statistics", "Statistics", "Статистика"),
    ],
    # After HURIDOCS' micro-thesaurus of types of acts, narrowed to this work.
    "act_type": [
        ("arbitrary_detention", "Arbitrary detention", "Произвольное задержание"),
        ("torture", "Torture", "Пытки"),
        ("ill_treatment", "Ill-treatment", "Жестокое обращение"),
        (
            "enforced_disappearance",
            "Enforced disappearance or abduction",
            "Насильственное исчезновение или похищение",
        ),
        ("forced_return", "Forced return", "Принудительное возвращение"),
        ("threat", "Threat", "Угроза"),
        (
            "threat_killing_relatives",
            "Threat of killing by relatives",
            "Угроза убийством со стороны родственников",
        ),
        ("forced_outing", "Forced outing", "Принудительный аутинг"),
        ("extortion", "Extortion", "Вымогательство"),
        ("killing", "Killing", "Убийство"),
        ("unlawful_search", "Unlawful search or seizure", "Незаконный обыск или изъятие"),
        (
            "forced_confession",
            "Forced confession or video apology",
            "Принудительное признание или видеоизвинение",
        ),
    ],
    "relationship": [
        ("relative", "Relative of", "Родственник"),
        ("partner", "Partner of", "Партнёр"),
        ("lawyer", "Lawyer of", "Адвокат"),
        ("member", "Member of", "Член группы"),
        ("friend", "Friend of", "Друг"),
    ],
}


def seed_terms(term_model, skip=frozenset()) -> int:
    created = 0
    for vocabulary, terms in DEFAULT_TERMS.items():
        if vocabulary in skip:
            continue
        for position, (code, label_en, label_ru) in enumerate(terms, start=1):
            _term, made = term_model.objects.get_or_create(
                vocabulary=vocabulary,
                code=code,
                defaults={"label_en": label_en, "label_ru": label_ru, "position": position * 10},
            )
            created += made
    return created
