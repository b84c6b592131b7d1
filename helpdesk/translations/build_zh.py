"""Regenerate the Simplified Chinese catalog: python helpdesk/translations/build_zh.py (writes .po and the shipped .mo)."""
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

ZH = {
 '(no subject)': '（无主题）', 'Add note': '添加备注', 'Agents': '客服人员', 'All open': '全部未结', 'Also viewing:': '正在查看：',
 'Assign to me': '分配给我', 'Assignee': '负责人', 'Bot': '机器人', 'Bot draft': '机器人草稿', 'Buyer': '买家',
 'Buyer messages from your connected stores will appear here.': '已连接店铺的买家消息会显示在这里。', 'Carrier unknown': '承运商未知',
 'Close': '关闭', 'Customer': '客户', 'Customers merged.': '客户已合并。', 'Discard': '丢弃', 'Draft discarded.': '草稿已丢弃。',
 'Escalated': '已升级', 'First response': '首次响应', "In the buyer's language": '买家语言', 'In your language': '你的语言', 'Inbox': '收件箱',
 'Insert': '插入', 'Intent': '意图', 'Internal note': '内部备注', 'Item': '商品', 'Keyboard shortcuts': '键盘快捷键', 'Language': '语言',
 'Last activity': '最近活动', 'Live updates': '实时更新', 'Low stock': '库存不足', 'Marketplace': '平台', 'Merge': '合并', 'Mine': '我的',
 'More': '更多', 'Next / previous ticket': '下一个 / 上一个工单', 'Next response': '下次响应', 'No clock running.': '没有计时。',
 'No open tickets': '没有未结工单', 'No order linked to this ticket.': '此工单未关联订单。', 'No response needed': '无需回复',
 'No stock data for this SKU.': '此 SKU 没有库存数据。', 'Not shipped yet.': '尚未发货。', 'Not the same': '不是同一人', 'Nothing here': '这里没有内容',
 'Only agents see notes…': '只有客服能看到备注…', 'Open the ticket': '打开工单', 'Order': '订单', 'Order and stock': '订单与库存', 'Ordered': '下单时间',
 'Orders': '订单', 'Other tickets': '其他工单', 'Out of stock': '缺货', 'Oversold': '超卖', 'Payment': '付款方式', 'Pending': '待回复',
 'Platform': '平台', 'Price': '价格', 'Priority': '优先级', 'Qty': '数量', 'Queued for sending': '已加入发送队列', 'Regenerate': '重新生成',
 'Reply': '回复', 'Resolution': '解决', 'Return window': '退货期限', 'Rule': '规则', 'SLA': 'SLA', 'SLA at risk': 'SLA 即将超时',
 'SLA time left': 'SLA 剩余时间', 'Same person?': '同一个人？', 'Search': '搜索', 'Search subject, message, buyer, order id…  ( / )': '搜索主题、消息、买家、订单号…  ( / )',
 'Send anyway': '仍然发送', 'Send reply': '发送回复', 'Ship by': '最晚发货', 'Sign out': '退出', 'Solve': '解决', 'Solved': '已解决',
 'Someone wrote on this ticket since you opened it. Read the new message above, then send again to confirm.': '你打开此工单后有人发了新消息。请先阅读上面的新消息，再次发送以确认。',
 'Sort': '排序', 'Status': '状态', 'Store': '店铺', 'Subject': '主题', 'Suggestion rejected.': '已拒绝建议。', 'Tags': '标签', 'Template': '模板',
 'Template…': '模板…', 'This help': '本帮助', 'Total': '总额', 'Unassigned': '未分配', 'Use draft': '使用草稿', 'Viewing': '查看中', 'Views': '视图',
 'Why': '原因', 'Write a reply to the buyer…': '给买家写回复…', 'auto-reply': '自动回复', 'comma, separated': '用逗号分隔', 'confidence': '置信度',
 'connecting…': '连接中…', 'delivered': '已送达', 'escalated': '已升级', 'estimated delivery': '预计送达', 'internal note': '内部备注',
 'is replying…': '正在回复…', 'is writing a note…': '正在写备注…', 'live': '实时', 'offline': '离线', 'reply': '回复', 'shipped': '已发货', 'until': '截至',
 'agent': '客服', 'supervisor': '主管', 'admin': '管理员', 'new': '新', 'open': '处理中', 'pending': '待回复', 'solved': '已解决', 'closed': '已关闭',
 'low': '低', 'normal': '普通', 'high': '高', 'urgent': '紧急', 'queued': '排队中', 'sending': '发送中', 'sent': '已发送', 'failed': '失败',
}
catalog = Catalog(locale="zh", project="helpdesk", charset="utf-8")
for key, value in sorted(ZH.items()):
    catalog.add(key, value)
base = "helpdesk/translations/zh/LC_MESSAGES/messages"
with open(base + ".po", "wb") as f:
    write_po(f, catalog, width=120, omit_header=False)
with open(base + ".mo", "wb") as f:
    write_mo(f, catalog)
