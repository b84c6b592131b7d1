"""The project's own buyer messages for the bot's tests (written for these tests, not taken from any dataset)."""

from __future__ import annotations

# (text, language, marketplace, intent)
MESSAGES: tuple[tuple[str, str, str, str], ...] = (
    # English
    ("any update on when my parcel gets here?", "en", "amazon.co.uk", "where_is_my_order"),
    ("ordered 10 days ago and STILL nothing, this was supposed to come last week", "en", "ebay.com", "delivery_delay_complaint"),
    ("hi can u cancel the blender i ordered this morning", "en", "shopify", "cancel_order"),
    ("how do I send back the jacket, doesnt fit", "en", "amazon.com", "return_or_refund"),
    ("the mug came in pieces, box was totally crushed", "en", "amazon.com", "item_damaged_or_defective"),
    ("you sent me a size 8 but i ordered a 10", "en", "ebay.co.uk", "wrong_item_received"),
    ("need to change shipping address to my office pls", "en", "shopify", "change_address"),
    ("does this case work with the pixel 8 pro?", "en", "amazon.com", "product_question"),
    ("can i get a VAT invoice for my company", "en", "amazon.co.uk", "invoice_request"),
    ("got it today, works great, cheers!", "en", "ebay.com", "thanks_or_positive"),
    ("if i dont get a refund by friday im calling my lawyer", "en", "amazon.com", "escalation"),
    ("the power bank got really hot and started smoking", "en", "amazon.com", "escalation"),
    # German
    ("wann kommt endlich mein paket?", "de", "amazon.de", "where_is_my_order"),
    ("Seit 10 Tagen warte ich, Liefertermin war letzte Woche. Sehr ärgerlich", "de", "amazon.de", "delivery_delay_complaint"),
    ("Bitte die Bestellung stornieren, hab mich vertan", "de", "ebay.de", "cancel_order"),
    ("Die Schuhe sind zu klein, wie kann ich die zurückschicken?", "de", "amazon.de", "return_or_refund"),
    ("Die Lampe flackert nur und geht dann aus", "de", "amazon.de", "item_damaged_or_defective"),
    ("Ich brauche eine Rechnung mit ausgewiesener MwSt für meine Firma", "de", "amazon.de", "invoice_request"),
    ("Wenn ich mein Geld nicht bekomme, schalte ich meinen Anwalt ein", "de", "amazon.de", "escalation"),
    # French
    ("bonjour, mon colis est où svp ?", "fr", "amazon.fr", "where_is_my_order"),
    ("je voudrais annuler la commande passée hier", "fr", "amazon.fr", "cancel_order"),
    ("l'aspirateur ne s'allume plus après deux jours", "fr", "amazon.fr", "item_damaged_or_defective"),
    ("merci, tout est arrivé nickel", "fr", "ebay.fr", "thanks_or_positive"),
    ("si je ne suis pas remboursé je porte plainte", "fr", "amazon.fr", "escalation"),
    # Spanish
    ("¿cuándo me llega el pedido?", "es", "amazon.es", "where_is_my_order"),
    ("quiero devolver las zapatillas, me quedan grandes", "es", "amazon.es", "return_or_refund"),
    ("me llegó una funda azul y pedí la negra", "es", "amazon.com.mx", "wrong_item_received"),
    ("necesito cambiar la dirección de envío", "es", "amazon.es", "change_address"),
    ("son unos estafadores, voy a denunciar", "es", "aliexpress.com", "escalation"),
    # Italian
    ("quando arriva il mio pacco?", "it", "amazon.it", "where_is_my_order"),
    ("vorrei annullare l'ordine per favore", "it", "amazon.it", "cancel_order"),
    ("mi serve la fattura elettronica, vi mando la partita iva", "it", "amazon.it", "invoice_request"),
    ("il caricatore ha preso fuoco!", "it", "amazon.it", "escalation"),
    # Portuguese
    ("cadê meu pedido? já faz uma semana", "pt", "amazon.com.br", "where_is_my_order"),
    ("chegou com a tela trincada", "pt", "amazon.com.br", "item_damaged_or_defective"),
    ("preciso da nota fiscal por favor", "pt", "shopify", "invoice_request"),
    ("vou abrir reclamação no procon", "pt", "amazon.com.br", "escalation"),
    # Dutch
    ("waar blijft mijn bestelling?", "nl", "bol.com", "where_is_my_order"),
    ("ik wil mijn bestelling annuleren", "nl", "amazon.nl", "cancel_order"),
    ("de koptelefoon doet het niet", "nl", "amazon.nl", "item_damaged_or_defective"),
    ("bedankt, alles netjes ontvangen", "nl", "amazon.nl", "thanks_or_positive"),
    # Polish
    ("kiedy dotrze moja paczka?", "pl", "amazon.pl", "where_is_my_order"),
    ("chcę zwrócić buty, za małe", "pl", "allegro.pl", "return_or_refund"),
    ("proszę o fakturę na firmę, NIP podam", "pl", "amazon.pl", "invoice_request"),
    ("oszuści, zgłaszam na policję", "pl", "allegro.pl", "escalation"),
    # Japanese
    ("荷物がまだ届いていません。いつ届きますか？", "ja", "amazon.co.jp", "where_is_my_order"),
    ("注文をキャンセルしたいです", "ja", "amazon.co.jp", "cancel_order"),
    ("箱を開けたら割れていました", "ja", "amazon.co.jp", "item_damaged_or_defective"),
    ("領収書を発行してください", "ja", "amazon.co.jp", "invoice_request"),
    # Chinese
    ("我的包裹到哪了？", "zh", "aliexpress.com", "where_is_my_order"),
    ("我想退货，尺码太小了", "zh", "aliexpress.com", "return_or_refund"),
    ("收到的颜色不对，我买的是黑色", "zh", "aliexpress.com", "wrong_item_received"),
    ("再不退款我就报警", "zh", "aliexpress.com", "escalation"),
    # Korean
    ("택배 언제 도착하나요?", "ko", "coupang.com", "where_is_my_order"),
    ("주문 취소해주세요", "ko", "coupang.com", "cancel_order"),
    ("제품이 고장나서 왔어요", "ko", "coupang.com", "item_damaged_or_defective"),
    ("잘 받았습니다 감사합니다", "ko", "coupang.com", "thanks_or_positive"),
    # Russian
    ("где моя посылка? трек не обновляется", "ru", "aliexpress.ru", "where_is_my_order"),
    ("хочу вернуть товар, не подошёл размер", "ru", "aliexpress.ru", "return_or_refund"),
    ("прислали не тот цвет", "ru", "aliexpress.ru", "wrong_item_received"),
    ("открою спор если не вернёте деньги", "ru", "aliexpress.ru", "escalation"),
    # Turkish
    ("kargom ne zaman gelir?", "tr", "amazon.com.tr", "where_is_my_order"),
    ("siparişimi iptal etmek istiyorum", "tr", "amazon.com.tr", "cancel_order"),
    ("ürün bozuk çıktı, çalışmıyor", "tr", "amazon.com.tr", "item_damaged_or_defective"),
    ("teslimat adresini değiştirmek istiyorum", "tr", "amazon.com.tr", "change_address"),
    # Arabic
    ("متى يوصل طلبي؟", "ar", "amazon.sa", "where_is_my_order"),
    ("ابي استرجع المبلغ، المنتج ما عجبني", "ar", "amazon.ae", "return_or_refund"),
    ("الجهاز وصل مكسور", "ar", "amazon.sa", "item_damaged_or_defective"),
    ("شكرا وصلني الطلب", "ar", "amazon.sa", "thanks_or_positive"),
)

# Short texts (under 20 characters) and the language they are in, with the marketplace they came from.
SHORT_TEXTS: tuple[tuple[str, str, str], ...] = (
    ("Cancel order", "en", "shopify"),
    ("refund pls", "en", ""),
    ("Danke schön!", "de", "amazon.de"),
    ("Paket kaputt", "de", "ebay.de"),
    ("merci beaucoup", "fr", "amazon.fr"),
    ("colis pas reçu", "fr", ""),
    ("gracias!", "es", "amazon.es"),
    ("grazie mille", "it", "amazon.it"),
    ("obrigado!", "pt", "amazon.com.br"),
    ("bedankt!", "nl", "bol.com"),
    ("dziękuję", "pl", "allegro.pl"),
    ("tack så mycket", "sv", "amazon.se"),
    ("děkuji moc", "cs", ""),
    ("спасибо", "ru", "aliexpress.ru"),
    ("teşekkürler", "tr", "amazon.com.tr"),
    ("شكرا", "ar", "amazon.sa"),
    ("ありがとう", "ja", "amazon.co.jp"),
    ("谢谢", "zh", "aliexpress.com"),
    ("감사합니다", "ko", "coupang.com"),
    ("terima kasih", "id", "shopee.co.id"),
    ("ขอบคุณครับ", "th", "shopee.co.th"),
    ("cảm ơn shop", "vi", "shopee.vn"),
)
