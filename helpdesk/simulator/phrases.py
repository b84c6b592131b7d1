"""What simulated buyers write: a subject and a body per intent and language.

Written for the simulator (not taken from any data set). ``{order}`` is the order id as
the platform shows it, ``{item}`` the product title, ``{name}`` the buyer's first name.
"""

from __future__ import annotations

INTENTS = (
    "where_is_order",
    "return_request",
    "damaged_item",
    "cancel_order",
    "address_change",
    "product_question",
    "invoice_request",
    "thanks",
    "angry_escalation",
)
# Intents that are about one order (the others may name a product only).
ORDER_INTENTS = frozenset(INTENTS) - {"product_question"}

LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "zh", "pt", "pl", "nl")

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "where_is_order": ("Where is my order {order}?",
                           "Hi, I ordered the {item} two weeks ago (order {order}) and the tracking has not moved "
                           "for days. Can you tell me when it will arrive? Thanks, {name}"),
        "return_request": ("Return for order {order}",
                           "Hello, the {item} from order {order} is not what I expected and I would like to send it "
                           "back. How do I get a return label?"),
        "damaged_item": ("Item arrived broken - {order}",
                         "The parcel for order {order} came today but the {item} was cracked inside the box. "
                         "I attached nothing yet but can send photos. What can you do?"),
        "cancel_order": ("Please cancel {order}",
                         "I placed order {order} by mistake. Please cancel it before it ships, I don't need the {item} "
                         "any more."),
        "address_change": ("Change delivery address for {order}",
                           "Could you send order {order} to my office instead? New address: 14 Harbour Road, "
                           "Leeds LS1 4AB. Sorry for the trouble."),
        "product_question": ("Question about {item}",
                             "Hi, does the {item} come with a charger and is it compatible with European sockets? "
                             "I would like to buy two."),
        "invoice_request": ("Invoice needed for {order}",
                            "Hello, I need a VAT invoice for order {order} for my company's accounts. "
                            "Can you email one please?"),
        "thanks": ("Thank you!",
                   "Got the {item} today (order {order}), works perfectly. Thanks for the quick shipping!"),
        "angry_escalation": ("UNACCEPTABLE - order {order}",
                             "This is the third time I'm writing about order {order}. Nobody answers, the {item} never "
                             "arrived and I want my money back NOW or I will open a case and leave negative feedback."),
    },
    "de": {
        "where_is_order": ("Wo bleibt meine Bestellung {order}?",
                           "Hallo, ich habe vor zehn Tagen den Artikel {item} bestellt (Bestellung {order}), aber die "
                           "Sendungsverfolgung zeigt nichts Neues. Wann kommt das Paket an? Gruß, {name}"),
        "return_request": ("Rücksendung Bestellung {order}",
                           "Guten Tag, ich möchte den Artikel {item} aus Bestellung {order} zurückschicken, er passt "
                           "leider nicht. Bitte schicken Sie mir ein Rücksendeetikett."),
        "damaged_item": ("Ware beschädigt angekommen ({order})",
                         "Das Paket zu Bestellung {order} kam heute an, aber {item} ist zerkratzt und das Gehäuse "
                         "gebrochen. Wie geht es jetzt weiter?"),
        "cancel_order": ("Stornierung {order}",
                         "Bitte stornieren Sie meine Bestellung {order}, ich habe mich vertan. Den Artikel {item} "
                         "brauche ich nicht mehr."),
        "address_change": ("Adressänderung für {order}",
                           "Können Sie die Bestellung {order} bitte an eine andere Adresse liefern? Neue Adresse: "
                           "Lindenstraße 7, 50674 Köln. Danke!"),
        "product_question": ("Frage zum Artikel {item}",
                             "Hallo, ist {item} auch in Schwarz erhältlich und wie lange dauert der Versand nach "
                             "Österreich?"),
        "invoice_request": ("Rechnung zu Bestellung {order}",
                            "Sehr geehrte Damen und Herren, bitte senden Sie mir eine Rechnung mit ausgewiesener "
                            "Mehrwertsteuer für Bestellung {order}."),
        "thanks": ("Vielen Dank",
                   "Der Artikel {item} ist heute angekommen (Bestellung {order}). Alles bestens, vielen Dank!"),
        "angry_escalation": ("Letzte Warnung: Bestellung {order}",
                             "Seit drei Wochen warte ich auf {item} aus Bestellung {order}! Wenn ich bis Freitag "
                             "kein Geld zurück habe, schalte ich meinen Anwalt ein und melde den Fall."),
    },
    "fr": {
        "where_is_order": ("Où est ma commande {order} ?",
                           "Bonjour, j'ai commandé {item} il y a dix jours (commande {order}) et le suivi ne bouge "
                           "plus. Pouvez-vous me dire quand je vais le recevoir ? Merci, {name}"),
        "return_request": ("Retour de la commande {order}",
                           "Bonjour, l'article {item} de la commande {order} ne me convient pas. Comment puis-je le "
                           "renvoyer et être remboursé ?"),
        "damaged_item": ("Article abîmé - commande {order}",
                         "J'ai reçu la commande {order} ce matin mais {item} est cassé, le carton était écrasé. "
                         "Que proposez-vous ?"),
        "cancel_order": ("Annulation de la commande {order}",
                         "Merci d'annuler ma commande {order}, je me suis trompé de modèle pour {item}."),
        "address_change": ("Changement d'adresse pour {order}",
                           "Pouvez-vous livrer la commande {order} à cette adresse : 12 rue des Lilas, 69003 Lyon ? "
                           "Je serai absent à l'ancienne."),
        "product_question": ("Question sur {item}",
                             "Bonjour, est-ce que {item} fonctionne avec un adaptateur français ? Et quelle est la "
                             "garantie ?"),
        "invoice_request": ("Facture pour la commande {order}",
                            "Bonjour, pourriez-vous m'envoyer la facture de la commande {order} avec le numéro de TVA ? "
                            "C'est pour mon entreprise."),
        "thanks": ("Merci beaucoup",
                   "Bien reçu {item} (commande {order}), parfait et bien emballé. Merci !"),
        "angry_escalation": ("Inadmissible ! Commande {order}",
                             "Cela fait un mois que j'attends {item} de la commande {order}. Remboursez-moi "
                             "immédiatement sinon je porte plainte et j'ouvre un litige."),
    },
    "es": {
        "where_is_order": ("¿Dónde está mi pedido {order}?",
                           "Hola, hice el pedido {order} hace dos semanas ({item}) y el seguimiento no se actualiza. "
                           "¿Cuándo llegará? Gracias, {name}"),
        "return_request": ("Devolución del pedido {order}",
                           "Buenas, quiero devolver {item} del pedido {order} porque la talla no es correcta. "
                           "¿Cómo lo hago?"),
        "damaged_item": ("Producto dañado - pedido {order}",
                         "Me ha llegado el pedido {order} pero {item} viene roto. ¿Me pueden enviar otro?"),
        "cancel_order": ("Cancelar pedido {order}",
                         "Por favor, cancelen el pedido {order}. Ya no necesito {item}."),
        "address_change": ("Cambio de dirección pedido {order}",
                           "¿Es posible enviar el pedido {order} a otra dirección? Calle Mayor 21, 28013 Madrid. "
                           "Muchas gracias."),
        "product_question": ("Pregunta sobre {item}",
                             "Hola, ¿{item} incluye las pilas? ¿Y hacen envíos a Canarias?"),
        "invoice_request": ("Factura del pedido {order}",
                            "Necesito la factura del pedido {order} a nombre de mi empresa. ¿Me la pueden mandar?"),
        "thanks": ("¡Gracias!",
                   "Recibido {item} del pedido {order}, todo perfecto. ¡Muy buen servicio!"),
        "angry_escalation": ("Estafa - pedido {order}",
                             "Llevo tres semanas esperando {item} (pedido {order}) y nadie responde. Si no me "
                             "devuelven el dinero hoy abriré una reclamación."),
    },
    "it": {
        "where_is_order": ("Dov'è il mio ordine {order}?",
                           "Buongiorno, ho ordinato {item} dieci giorni fa (ordine {order}) ma il tracciamento è fermo. "
                           "Quando arriverà? Grazie, {name}"),
        "return_request": ("Reso ordine {order}",
                           "Salve, vorrei restituire {item} dell'ordine {order}, non è come nella foto. "
                           "Come devo procedere?"),
        "damaged_item": ("Articolo danneggiato - ordine {order}",
                         "Il pacco dell'ordine {order} è arrivato ma {item} è rotto. Potete sostituirlo?"),
        "cancel_order": ("Annullare ordine {order}",
                         "Per favore annullate l'ordine {order}, ho sbagliato a ordinare {item}."),
        "address_change": ("Cambio indirizzo ordine {order}",
                           "Potete spedire l'ordine {order} a Via Roma 5, 20121 Milano invece che a casa? Grazie."),
        "product_question": ("Domanda su {item}",
                             "Salve, {item} è compatibile con la versione precedente? Quanto costa la spedizione "
                             "in Sicilia?"),
        "invoice_request": ("Fattura ordine {order}",
                            "Buongiorno, mi serve la fattura per l'ordine {order} con partita IVA. Grazie."),
        "thanks": ("Grazie mille",
                   "Ho ricevuto {item} (ordine {order}), tutto perfetto. Grazie!"),
        "angry_escalation": ("Vergognoso - ordine {order}",
                             "Sono settimane che aspetto {item} dell'ordine {order}. Voglio il rimborso subito o "
                             "apro una contestazione e vi segnalo."),
    },
    "ja": {
        "where_is_order": ("注文 {order} の配送状況について",
                           "{item}を注文しましたが（注文番号 {order}）、まだ届いていません。追跡情報も更新されません。"
                           "いつ届きますか？"),
        "return_request": ("注文 {order} の返品",
                           "注文番号 {order} の{item}を返品したいです。返品の手順を教えてください。"),
        "damaged_item": ("商品が破損していました（{order}）",
                         "本日届いた注文 {order} の{item}が壊れていました。交換か返金をお願いできますか？"),
        "cancel_order": ("注文 {order} のキャンセル",
                         "間違えて注文してしまいました。注文 {order} をキャンセルしてください。"),
        "address_change": ("お届け先の変更（{order}）",
                           "注文 {order} の配送先を東京都渋谷区神南1-2-3に変更できますか？"),
        "product_question": ("{item}について質問",
                             "{item}は日本のコンセントでそのまま使えますか？保証期間も教えてください。"),
        "invoice_request": ("領収書の発行（{order}）",
                            "注文 {order} の領収書（インボイス）を発行していただけますか？会社の経費精算に必要です。"),
        "thanks": ("ありがとうございました",
                   "{item}を受け取りました（注文 {order}）。丁寧な梱包でとても満足しています。"),
        "angry_escalation": ("至急対応してください：{order}",
                             "何度も連絡していますが、注文 {order} の{item}がまだ届きません。すぐに返金しないと"
                             "悪い評価をつけて報告します。"),
    },
    "zh": {
        "where_is_order": ("我的订单 {order} 在哪里？",
                           "你好，我两周前买了{item}（订单号 {order}），物流一直没有更新，请问什么时候能到？"),
        "return_request": ("订单 {order} 退货",
                           "你好，订单 {order} 里的{item}尺寸不合适，我想退货，请告诉我怎么操作。"),
        "damaged_item": ("收到的商品损坏了（{order}）",
                         "今天收到订单 {order}，但是{item}外壳破了。可以换货或者退款吗？"),
        "cancel_order": ("取消订单 {order}",
                         "请帮我取消订单 {order}，我拍错了，不需要{item}了。"),
        "address_change": ("修改订单 {order} 的收货地址",
                           "请把订单 {order} 的收货地址改成：上海市浦东新区世纪大道100号。谢谢！"),
        "product_question": ("关于{item}的问题",
                             "请问{item}有没有黑色的？支持欧洲电压吗？"),
        "invoice_request": ("订单 {order} 开发票",
                            "你好，订单 {order} 需要开具增值税发票，公司报销用，麻烦发到我的邮箱。"),
        "thanks": ("谢谢！",
                   "已经收到{item}（订单 {order}），质量很好，发货也很快，谢谢！"),
        "angry_escalation": ("太过分了！订单 {order}",
                             "订单 {order} 的{item}一个月了还没到，客服也不回复。马上退款，否则我要投诉并给差评！"),
    },
    "pt": {
        "where_is_order": ("Onde está a minha encomenda {order}?",
                           "Olá, comprei {item} há duas semanas (encomenda {order}) e o rastreio não atualiza. "
                           "Quando chega? Obrigado, {name}"),
        "return_request": ("Devolução da encomenda {order}",
                           "Bom dia, quero devolver {item} da encomenda {order}. Como faço a devolução?"),
        "damaged_item": ("Produto danificado - {order}",
                         "Recebi a encomenda {order} mas {item} veio partido. Podem enviar outro?"),
        "cancel_order": ("Cancelar encomenda {order}",
                         "Por favor cancelem a encomenda {order}, enganei-me no modelo de {item}."),
        "address_change": ("Alterar morada da encomenda {order}",
                           "É possível enviar a encomenda {order} para Rua Augusta 45, 1100-048 Lisboa? Obrigado."),
        "product_question": ("Pergunta sobre {item}",
                             "Olá, {item} tem garantia na Europa? Enviam para o Brasil?"),
        "invoice_request": ("Fatura da encomenda {order}",
                            "Preciso da fatura com NIF da encomenda {order}. Podem enviar por e-mail?"),
        "thanks": ("Muito obrigado",
                   "Recebi {item} (encomenda {order}), está perfeito. Obrigado pela rapidez!"),
        "angry_escalation": ("Inaceitável - encomenda {order}",
                             "Há um mês que espero por {item} da encomenda {order}. Quero o reembolso já ou vou "
                             "abrir uma reclamação."),
    },
    "pl": {
        "where_is_order": ("Gdzie jest moje zamówienie {order}?",
                           "Dzień dobry, zamówiłem {item} dwa tygodnie temu (zamówienie {order}), a śledzenie "
                           "przesyłki stoi w miejscu. Kiedy dotrze? Pozdrawiam, {name}"),
        "return_request": ("Zwrot zamówienia {order}",
                           "Dzień dobry, chcę zwrócić {item} z zamówienia {order}. Jak to zrobić?"),
        "damaged_item": ("Uszkodzony towar - {order}",
                         "Paczka z zamówieniem {order} dotarła, ale {item} jest pęknięty. Co teraz?"),
        "cancel_order": ("Anulowanie zamówienia {order}",
                         "Proszę anulować zamówienie {order}, pomyliłem się przy wyborze {item}."),
        "address_change": ("Zmiana adresu dostawy {order}",
                           "Czy można wysłać zamówienie {order} na adres: ul. Długa 8, 00-238 Warszawa? Dziękuję."),
        "product_question": ("Pytanie o {item}",
                             "Dzień dobry, czy {item} ma polską instrukcję i gwarancję?"),
        "invoice_request": ("Faktura VAT do zamówienia {order}",
                            "Proszę o fakturę VAT na firmę do zamówienia {order}."),
        "thanks": ("Dziękuję!",
                   "Otrzymałem {item} (zamówienie {order}), wszystko w porządku. Dziękuję!"),
        "angry_escalation": ("Skandal - zamówienie {order}",
                             "Od trzech tygodni czekam na {item} z zamówienia {order}. Jeśli dziś nie dostanę zwrotu "
                             "pieniędzy, zgłaszam sprawę i wystawiam negatywną opinię."),
    },
    "nl": {
        "where_is_order": ("Waar blijft mijn bestelling {order}?",
                           "Hallo, ik heb {item} tien dagen geleden besteld (bestelling {order}) maar de track & "
                           "trace staat stil. Wanneer komt het pakket? Groet, {name}"),
        "return_request": ("Retour bestelling {order}",
                           "Goedendag, ik wil {item} uit bestelling {order} retourneren. Hoe werkt dat?"),
        "damaged_item": ("Beschadigd product - {order}",
                         "Bestelling {order} is aangekomen, maar {item} is kapot. Kunnen jullie een nieuwe sturen?"),
        "cancel_order": ("Bestelling {order} annuleren",
                         "Wilt u bestelling {order} annuleren? Ik heb {item} per ongeluk besteld."),
        "address_change": ("Adreswijziging bestelling {order}",
                           "Kan bestelling {order} naar Keizersgracht 120, 1015 CX Amsterdam gestuurd worden?"),
        "product_question": ("Vraag over {item}",
                             "Hallo, werkt {item} ook op 230 volt en zit er een Nederlandse handleiding bij?"),
        "invoice_request": ("Factuur bestelling {order}",
                            "Graag ontvang ik een factuur met btw voor bestelling {order}, voor mijn administratie."),
        "thanks": ("Bedankt!",
                   "{item} is binnen (bestelling {order}), alles werkt prima. Dank jullie wel!"),
        "angry_escalation": ("Schandalig - bestelling {order}",
                             "Al drie weken wacht ik op {item} van bestelling {order}. Ik wil vandaag mijn geld "
                             "terug, anders start ik een geschil."),
    },
}

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Oliver", "Emma", "Jack", "Sophie", "Harry", "Grace"),
    "de": ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie"),
    "fr": ("Louis", "Camille", "Hugo", "Chloé", "Jules", "Léa"),
    "es": ("Pablo", "Lucía", "Mateo", "Sofía", "Diego", "Carmen"),
    "it": ("Luca", "Giulia", "Marco", "Chiara", "Matteo", "Sara"),
    "ja": ("Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi"),
    "zh": ("Wei", "Fang", "Lei", "Jing", "Hao", "Min"),
    "pt": ("João", "Beatriz", "Tiago", "Inês", "Rui", "Ana"),
    "pl": ("Jakub", "Zofia", "Kacper", "Julia", "Piotr", "Maja"),
    "nl": ("Daan", "Sanne", "Bram", "Fleur", "Sem", "Lotte"),
}
LAST_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Smith", "Taylor", "Brown", "Walker"),
    "de": ("Müller", "Schmidt", "Becker", "Wagner"),
    "fr": ("Martin", "Bernard", "Dubois", "Laurent"),
    "es": ("García", "López", "Martínez", "Sánchez"),
    "it": ("Rossi", "Bianchi", "Romano", "Ferrari"),
    "ja": ("Sato", "Suzuki", "Takahashi", "Tanaka"),
    "zh": ("Wang", "Li", "Zhang", "Liu"),
    "pt": ("Silva", "Santos", "Ferreira", "Costa"),
    "pl": ("Nowak", "Kowalski", "Wiśniewski", "Wójcik"),
    "nl": ("de Jong", "Jansen", "de Vries", "Bakker"),
}
COUNTRIES = {"en": "GB", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "ja": "JP", "zh": "CN", "pt": "PT",
             "pl": "PL", "nl": "NL"}
CITIES = {"GB": ("London", "SW1A 1AA"), "DE": ("Berlin", "10115"), "FR": ("Paris", "75002"), "ES": ("Madrid", "28001"),
          "IT": ("Roma", "00184"), "JP": ("Osaka", "530-0001"), "CN": ("Shenzhen", "518000"), "PT": ("Porto", "4000-322"),
          "PL": ("Kraków", "31-001"), "NL": ("Utrecht", "3511 AA")}


def render(language: str, intent: str, *, order: str, item: str, name: str) -> tuple[str, str]:
    """The subject and body a buyer writes for an intent in a language."""
    subject, body = TEXTS[language][intent]
    return subject.format(order=order, item=item, name=name), body.format(order=order, item=item, name=name)
