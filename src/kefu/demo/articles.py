"""The demo department store's knowledge base: 34 articles that answer what its customers ask
(returns, refunds, invoices, delivery, repairs, membership, gift cards, installation, price
protection, store hours, parking, lost property…).

Language: each article is written in Chinese, as the store's customers and agents ask, in Markdown;
its title carries an English title after " · " and its body ends with an English summary, so an
English-speaking user of the demo sees what every article is about. Keywords are the words people
use for the topic (口语 included), which search weighs like the title.

`seed_articles()` writes them through the knowledge services (sanitised, versioned, indexed as an
editor's articles are); tests/knowledge/test_search_recall.py measures search on the same articles.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

CATEGORIES = {
    "returns": "退换货 · Returns",
    "refunds": "退款 · Refunds",
    "invoices": "发票 · Invoices",
    "delivery": "配送 · Delivery",
    "repairs": "维修保修 · Repairs",
    "members": "会员 · Membership",
    "cards": "礼品卡 · Gift cards",
    "store": "门店服务 · Store services",
    "agents": "客服口径 · Agent guidelines",
}


@dataclass(frozen=True)
class DemoArticle:
    key: str  # what the recall test names the article by
    category: str
    title: str
    keywords: str
    body: str  # Markdown
    public: bool = True
    must_read: bool = False
    review_overdue: bool = False


ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle(
        "seven_day_returns",
        "returns",
        "七天无理由退货 · 7-day no-reason returns",
        "七天无理由 7天无理由 七天退货 不想要了 退货条件 吊牌 包装",
        """顾客自签收（或门店购买）之日起 **7 天内**，商品完好、吊牌和包装齐全、不影响二次销售的，可以无理由退货。

- 线上订单：在“我的订单”中点击“申请退货”，选择原因后按提示寄回。
- 门店购买：带上商品、购物小票或电子小票到一楼总服务台办理。
- 运费：无理由退货的寄回运费由顾客承担；质量问题由商场承担。

以下商品不适用七天无理由退货：定制商品、贴身衣物、已拆封的化妆品和食品、已激活的电子产品。

**English:** Unused goods with tags and packaging can be returned within 7 days of receipt without a reason;
the customer pays return shipping unless the item is faulty. Custom-made items, underwear, opened cosmetics
and food, and activated electronics are excluded.""",
    ),
    DemoArticle(
        "return_process",
        "returns",
        "退货退款怎么办理 · How to return an item and get a refund",
        "退货流程 退货退款 申请退货 办理退货 小票 退货地址",
        """**退货退款流程：**

1. 申请：线上在“我的订单 → 申请售后”，门店到一楼总服务台或所在楼层服务台。
2. 审核：客服在 24 小时内审核，通过后短信发送退货地址。
3. 寄回或交回商品，请保留快递单号。
4. 仓库签收并验货后 1 个工作日内发起退款，款项原路退回。

需要准备：订单号或购物小票、商品及全部配件、赠品。

**English:** Apply in "My orders" or at a service desk; approval within 24 hours, then send the item back
(keep the tracking number). The refund starts within one working day after the warehouse checks the item
and goes back the way you paid.""",
    ),
    DemoArticle(
        "exchange",
        "returns",
        "换货：尺码不合适、颜色不喜欢 · Exchanges for size or colour",
        "换货 换尺码 换颜色 调换 尺码不合适 大了 小了",
        """服装鞋包在 **15 天内**、吊牌完好未穿着的，可以免费换一次尺码或颜色（同款同价）。

- 门店：带商品和小票到原专柜或楼层服务台，有货当场换。
- 线上：在“申请售后”中选择“换货”，寄回后我们发出新商品，来回运费由商场承担一次。
- 无货可换时，可以改为退货退款。

**English:** Clothing, shoes and bags can be exchanged once for another size or colour within 15 days if
unworn with tags; free at the counter or by post (we pay shipping once). If out of stock, return instead.""",
    ),
    DemoArticle(
        "quality_return",
        "returns",
        "质量问题退换货（三包） · Returns for faulty goods",
        "质量问题 三包 有瑕疵 坏点 破损 开线 掉色 残次品",
        """商品有质量问题（如手机屏幕坏点、衣服开线、鞋子开胶、家电不能启动），按国家“三包”规定处理：

- **7 天内**：可选择退货、换货或维修；
- **15 天内**：可选择换货或维修；
- 保修期内：免费维修。

请拍照或录像保留问题，带上商品和小票到服务台；电子产品需要品牌检测的，由我们代为送检，检测期间不收费。
往返运费由商场承担。

**English:** Faulty goods follow China's "three guarantees": within 7 days return, exchange or repair; within
15 days exchange or repair; free repair during the warranty. Bring photos, the item and the receipt; we pay
shipping and arrange brand testing.""",
    ),
    DemoArticle(
        "refund_time",
        "refunds",
        "退款多久到账 · When the refund arrives",
        "退款到账 退款时间 多久到账 没到账 退款没收到 原路退回 银行卡 微信 支付宝",
        """退款发起后按原支付方式退回，到账时间取决于支付渠道：

| 支付方式 | 到账时间 |
| --- | --- |
| 微信、支付宝余额 | 即时到 1 个工作日 |
| 储蓄卡 | 1–3 个工作日 |
| 信用卡 | 3–7 个工作日（以银行账单为准） |
| 礼品卡、积分 | 即时退回原卡、原账户 |

超过以上时间仍未到账，请提供订单号，客服会查询退款流水号，顾客可凭流水号向银行查询。

**English:** Refunds go back the way you paid: WeChat/Alipay balance instantly to 1 working day, debit card
1–3, credit card 3–7 working days, gift cards and points at once. If it is later than that, give us the
order number and we will send the refund reference for your bank.""",
    ),
    DemoArticle(
        "refund_partial",
        "refunds",
        "部分退款与优惠分摊 · Partial refunds and shared discounts",
        "部分退款 退款金额不对 少退了 优惠分摊 满减 优惠券退回",
        """订单使用了满减或优惠券，只退其中一件商品时，退款金额按各商品实付金额比例分摊优惠后计算，所以可能少于标价。

- 退货后订单不再满足满减条件的，已享受的优惠按比例扣回。
- 整单退货的，优惠券在有效期内自动退回账户；过期的不再补发。

**English:** When one item of a discounted order is returned, the refund is the item's share of what was
actually paid, so it can be less than the price tag. Coupons come back only when the whole order is
returned and the coupon is still valid.""",
    ),
    DemoArticle(
        "refund_cash",
        "refunds",
        "现金购物怎么退款 · Refunds for cash purchases",
        "现金退款 现金支付 付现金 退现金",
        """门店用现金购买的商品，退货时在服务台当场退还现金；金额超过 5000 元的，退到顾客本人的银行卡（需要提供卡号和身份证）。

**English:** Cash purchases are refunded in cash at the service desk; above 5,000 yuan the money goes to the
customer's own bank card (card number and ID needed).""",
    ),
    DemoArticle(
        "invoice_how",
        "invoices",
        "怎么开发票 · How to get an invoice",
        "开发票 开票 电子发票 纸质发票 抬头 税号 补开发票",
        """**门店购物**：凭购物小票到一楼总服务台开具，可开电子发票或纸质发票。

**线上订单**：在“我的订单 → 申请开票”中填写：
- 个人：发票抬头填个人姓名；
- 单位：单位名称和纳税人识别号（税号）。

订单完成后 24 小时内开具，电子发票发送到填写的邮箱，也可以在订单详情中下载。购物后 **180 天内** 可以补开发票。

**English:** In store, get an invoice at the main service desk with your receipt; online, use "Apply for
invoice" in My orders with your name or your company's name and tax number. Electronic invoices arrive by
email within 24 hours; invoices can be requested up to 180 days after purchase.""",
    ),
    DemoArticle(
        "invoice_vat",
        "invoices",
        "增值税专用发票 · Special VAT invoices for companies",
        "专票 增值税专用发票 专用发票 公司报销 一般纳税人 开户行",
        """单位购买需要增值税专用发票（专票）的，请提供：

- 单位名称、纳税人识别号；
- 注册地址、电话；
- 开户银行及账号。

首次开具专票需要审核资料，3 个工作日内开出，纸质专票通过快递寄出。礼品卡、购物卡充值不能开具专票。

**English:** Companies needing a special VAT invoice give their name, tax number, registered address and
phone, and bank account. The first one is checked and issued within 3 working days and posted; gift-card
top-ups cannot carry a special VAT invoice.""",
    ),
    DemoArticle(
        "invoice_change",
        "invoices",
        "发票开错了怎么换开 · Correcting or reissuing an invoice",
        "换开发票 发票抬头错了 重开发票 发票作废 红冲",
        """发票抬头、税号填错的，可以申请换开：

- 电子发票：在订单详情中点击“换开发票”，原发票作废（红冲）后重新开具，一般 1 个工作日内完成。
- 纸质发票：需要寄回原发票，收到后 3 个工作日内重开寄出。

每张发票只能换开一次；已经报销入账的发票请先与单位财务确认。

**English:** A wrong invoice title or tax number can be corrected once: electronic invoices are cancelled and
reissued within a working day from the order page; paper ones must be posted back first.""",
    ),
    DemoArticle(
        "invoice_return",
        "invoices",
        "退货后发票怎么处理 · Invoices after a return",
        "退货发票 退货要退发票 发票退回 部分退货发票",
        """已开发票的订单退货时，原发票会被冲红作废；部分退货的，按剩余商品金额重新开具发票。纸质发票需要随商品一起寄回，否则退款会暂缓。

**English:** When an invoiced order is returned the invoice is cancelled; after a partial return a new one is
issued for what you kept. Paper invoices must come back with the goods or the refund waits.""",
    ),
    DemoArticle(
        "delivery_time",
        "delivery",
        "下单后多久发货、多久送到 · When the order ships and arrives",
        "发货时间 多久发货 多久能到 待发货 送到 时效",
        """- 现货商品：16:00 前付款当天发货，之后次日发货。
- 同城配送：发货后 1 天内送达；外省一般 2–4 天。
- 预售、定制商品：按商品页标注的发货时间。

订单长时间显示“待发货”的，多为缺货调拨，客服会电话联系顾客说明。

**English:** In-stock items paid before 16:00 ship the same day; same-city delivery takes a day, other
provinces 2–4 days; pre-sale items ship on the date shown. A long "awaiting shipment" usually means a
stock transfer, and we will call you.""",
    ),
    DemoArticle(
        "delivery_tracking",
        "delivery",
        "查询物流和快递没有更新 · Tracking a parcel that does not move",
        "查物流 快递单号 物流不动 物流没更新 快递没到 包裹",
        """在“我的订单 → 查看物流”中可以看到快递单号和轨迹。

物流信息 **48 小时** 没有更新的，请联系客服：我们会向快递公司催查；超过 7 天仍无进展的视为丢件，为顾客重新发货或退款。

**English:** Track the parcel in "My orders". If the tracking has not moved for 48 hours we chase the
courier; after 7 days without progress we treat it as lost and resend or refund.""",
    ),
    DemoArticle(
        "delivery_fee",
        "delivery",
        "运费和包邮规则 · Delivery fees and free delivery",
        "运费 包邮 邮费 偏远地区 满多少包邮",
        """- 单笔订单实付满 **99 元** 包邮（不含偏远地区）；
- 不满 99 元收取运费 10 元；
- 新疆、西藏等偏远地区另收 15 元；
- 大件家电、家具免费送货上门。

**English:** Orders from 99 yuan ship free (remote regions excepted); below that delivery costs 10 yuan;
remote regions add 15 yuan; large appliances and furniture are delivered free.""",
    ),
    DemoArticle(
        "delivery_damaged",
        "delivery",
        "快递破损、少件、发错货 · Damaged, missing or wrong items",
        "快递破损 包装破损 少件 漏发 发错货 错发 签收",
        """签收时请当面检查外包装。发现破损、少件或发错货：

1. 拍下外包装、面单和商品照片；
2. 签收后 48 小时内联系客服或在订单中“申请售后”；
3. 我们核实后补发、换货或退款，运费由商场承担。

**English:** Check the parcel on delivery; for damage, missing or wrong items take photos and contact us
within 48 hours. We resend, exchange or refund at our cost.""",
    ),
    DemoArticle(
        "pickup",
        "delivery",
        "到店自提 · Collecting online orders in store",
        "自提 到店自提 门店自提 取货 提货码",
        """线上下单时可以选择“到店自提”，商品到店后短信发送提货码。凭提货码到一楼总服务台取货，保留 7 天，逾期自动取消并退款。

**English:** Choose "collect in store" at checkout; you get a pickup code by SMS when the item arrives.
Collect it at the main service desk within 7 days, after which the order is cancelled and refunded.""",
    ),
    DemoArticle(
        "change_address",
        "delivery",
        "修改收货地址和送货时间 · Changing the address or delivery time",
        "改地址 修改地址 收货地址 改时间 预约送货 改收货人",
        """订单 **未发货** 前可以在订单详情中修改收货地址、收货人和电话；已发货的，请联系客服协调快递改派（可能产生费用）。大件商品可以在送货前一天与配送员预约时间。

**English:** Before shipping you can change the address, recipient and phone in the order; after shipping
ask us to have the courier redirect it (fees may apply). Large items can be booked for a time slot.""",
    ),
    DemoArticle(
        "warranty",
        "repairs",
        "家电保修期 · Appliance warranties",
        "保修期 保修多久 保修几年 三包 压缩机 整机保修 延保",
        """在本商场购买的家电按品牌保修政策执行，常见的有：

| 品类 | 整机 | 主要部件 |
| --- | --- | --- |
| 空调 | 6 年 | 压缩机 10 年 |
| 冰箱 | 3 年 | 压缩机 12 年 |
| 洗衣机 | 3 年 | 电机 10 年 |
| 电视 | 3 年 | 面板 3 年 |
| 手机 | 1 年 | 电池 1 年 |

保修凭发票或购物记录；另可购买延保服务。

**English:** Appliances follow the brand's warranty: e.g. air conditioners 6 years (compressor 10), fridges
3 years (compressor 12), washers 3 years (motor 10), TVs 3 years, phones 1 year. The invoice or purchase
record is the proof; extended warranties are sold.""",
    ),
    DemoArticle(
        "repair_request",
        "repairs",
        "家电坏了怎么报修 · Reporting a broken appliance",
        "报修 上门维修 坏了 不能用 故障 维修师傅 预约维修 故障代码",
        """家电出现故障（如洗衣机不排水、空调不制冷、冰箱不制冷、电视黑屏）：

1. 拨打客服热线或在线提交报修，说明型号、购买时间和故障现象（有故障代码请一并告知）；
2. 客服生成维修单，24 小时内安排师傅上门；
3. 保修期内免费维修，保修期外先报价，顾客同意后再修。

**English:** Report a fault by hotline or online with the model, purchase date and symptoms (and any error
code). A technician is booked within 24 hours; repairs are free under warranty, and quoted first
otherwise.""",
    ),
    DemoArticle(
        "repair_fee",
        "repairs",
        "保修期外维修收费 · Repair charges out of warranty",
        "维修费 维修收费 过保 保修期外 上门费 配件费",
        """保修期外维修收取：上门费 50 元（同城）、配件费按品牌价目表、人工费按维修项目。维修前师傅会报价，顾客不维修的只收上门费。维修后更换的部件保修 90 天。

**English:** Out of warranty: 50 yuan call-out (same city), parts at the brand's list price and labour per job.
The technician quotes first; if you decline you pay the call-out only. Replaced parts carry 90 days'
warranty.""",
    ),
    DemoArticle(
        "phone_repair",
        "repairs",
        "手机、电脑送修 · Phone and computer repairs",
        "手机维修 手机坏了 屏幕坏了 电脑维修 黑屏 送修 检测",
        """手机、平板、电脑请带到三楼数码服务台送修，也可以在线申请寄修。品牌售后检测一般 3–7 个工作日，期间可以借用备用机（需押金）。送修前请备份数据并关闭“查找我的手机”。

**English:** Bring phones, tablets and computers to the 3rd-floor digital service desk or send them in;
brand testing takes 3–7 working days and a loan phone is available on deposit. Back up your data
first.""",
    ),
    DemoArticle(
        "installation",
        "repairs",
        "空调、热水器等上门安装 · Installation at home",
        "安装 上门安装 装空调 安装费 辅材 打孔 预约安装",
        """空调、热水器、油烟机、电视挂架等商品 **免费基础安装**：

- 送货后 48 小时内由品牌师傅上门安装，安装前一天电话预约；
- 超出基础安装的铜管、支架、打孔等辅材按明码标价收费，师傅需出示价目表；
- 安装后请当场试机，满意后签字。

**English:** Air conditioners, water heaters, range hoods and TV brackets are installed free within 48 hours
of delivery (booked by phone the day before). Extra pipe, brackets or drilling are charged by a published
price list; test it before signing.""",
    ),
    DemoArticle(
        "member_join",
        "members",
        "会员注册与等级 · Joining and membership tiers",
        "会员注册 办会员 会员卡 会员等级 金卡 银卡 升级",
        """关注商场公众号或在服务台用手机号即可免费注册会员。

等级按一年内累计消费：普通会员、银卡（满 5000 元）、金卡（满 20000 元）、钻石卡（满 50000 元），等级越高积分倍数越高，并享有免费停车、生日礼等权益。

**English:** Join free with a mobile number through the WeChat account or at a service desk. Tiers by a
year's spending: regular, silver (5,000), gold (20,000), diamond (50,000); higher tiers earn more points and
get free parking and birthday gifts.""",
    ),
    DemoArticle(
        "points_earn",
        "members",
        "积分怎么获得和使用 · Earning and using points",
        "积分 积分兑换 积分抵现 积分有效期 积分清零 兑换礼品",
        """- 获得：每消费 1 元积 1 分（银卡 1.2 倍、金卡 1.5 倍、钻石卡 2 倍）；
- 使用：100 积分抵现 1 元，或在积分商城兑换礼品、停车券；
- 有效期：积分在获得后的第二年年底清零，请及时使用。

**English:** One point per yuan (more for higher tiers); 100 points are worth 1 yuan off, or exchange them for
gifts and parking vouchers. Points expire at the end of the year after they were earned.""",
    ),
    DemoArticle(
        "points_missing",
        "members",
        "积分没有到账 · Points missing after a purchase",
        "积分没到账 积分没加 补积分 忘记报会员",
        """消费后积分一般 24 小时内到账。没有到账或结账时忘记出示会员码的，请在 **30 天内** 带小票到服务台补录积分。

**English:** Points usually arrive within 24 hours. If they did not, or you forgot to show your member code,
bring the receipt to a service desk within 30 days.""",
    ),
    DemoArticle(
        "member_birthday",
        "members",
        "会员生日礼和专属权益 · Birthday gifts and member benefits",
        "生日礼 会员日 会员权益 会员折扣 双倍积分",
        """会员生日当月可以到服务台领取生日礼一份，并享受一次双倍积分。每月 18 日为会员日，部分专柜会员额外 95 折。

**English:** In their birthday month members collect a gift at the service desk and earn double points
once; the 18th of each month is member day with an extra 5% off at some counters.""",
    ),
    DemoArticle(
        "giftcard_use",
        "cards",
        "礼品卡怎么使用、能不能线上用 · Using gift cards, online too",
        "礼品卡 购物卡 储值卡 线上使用 余额查询 绑定",
        """商场礼品卡（购物卡）可以在所有专柜和线上商城使用：

- 线上：在“我的 → 礼品卡”中输入卡号和密码绑定后，下单时抵扣；
- 余额查询：公众号、服务台或拨打客服热线；
- 礼品卡不记名、不挂失、不兑换现金，有效期 3 年。

**English:** Store gift cards work at every counter and in the online shop (bind the card number and PIN
under My → Gift cards). Check the balance by WeChat, desk or hotline. Cards are bearer cards, not
replaceable if lost, not exchangeable for cash, valid 3 years.""",
    ),
    DemoArticle(
        "giftcard_lost",
        "cards",
        "礼品卡丢了或过期 · Lost or expired gift cards",
        "礼品卡丢了 购物卡丢失 挂失 礼品卡过期 延期",
        """不记名礼品卡丢失无法挂失，请妥善保管；已绑定到会员账户的电子卡可以冻结。过期的卡可以在过期后 6 个月内到服务台办理一次延期（收取 5 元工本费）。

**English:** Bearer gift cards cannot be stopped if lost, but an electronic card bound to a member account
can be frozen. An expired card can be extended once within 6 months at a service desk (5 yuan fee).""",
    ),
    DemoArticle(
        "giftcard_buy",
        "cards",
        "购买礼品卡和大宗采购 · Buying gift cards, for companies too",
        "买礼品卡 团购 企业采购 福利卡 大宗采购",
        """礼品卡在一楼总服务台购买，面值 100–5000 元。单位采购满 1 万元可享团购服务，开具普通发票（不能开专票）。

**English:** Gift cards (100–5,000 yuan) are sold at the main service desk; companies buying 10,000 yuan or
more get a corporate service and an ordinary invoice (no special VAT invoice).""",
    ),
    DemoArticle(
        "price_protection",
        "store",
        "价格保护（保价） · Price protection",
        "价保 保价 降价 补差价 买贵了 价格保护",
        """购买后 **15 天内** 同一专柜同款商品降价的，可以申请补差价：

- 凭小票到服务台或在订单中“申请价保”；
- 秒杀、清仓、赠品、以旧换新不参加价保；
- 差价退回原支付账户。

**English:** If the same item drops in price at the same counter within 15 days, claim the difference with
your receipt or in the order. Flash sales, clearance, gifts and trade-ins are excluded.""",
    ),
    DemoArticle(
        "store_hours",
        "store",
        "营业时间 · Opening hours",
        "营业时间 几点开门 几点关门 周末 节假日 春节",
        """- 周一至周四：10:00–21:30
- 周五至周日及法定节假日：10:00–22:00
- 五楼餐饮区：10:00–22:30
- 春节期间营业时间另行公告。

**English:** Mon–Thu 10:00–21:30; Fri–Sun and public holidays 10:00–22:00; the 5th-floor food court until
22:30; Spring Festival hours are announced separately.""",
    ),
    DemoArticle(
        "parking",
        "store",
        "停车收费和会员免费停车 · Parking charges and free parking",
        "停车 停车费 停车场 车位 免费停车 地下车库 充电桩",
        """地下停车场 B1–B3 共 800 个车位，B2 有充电桩。

- 收费：首小时 5 元，之后每小时 3 元，每日封顶 40 元；
- 当日消费满 200 元免费停车 2 小时；金卡会员每日免费 3 小时；
- 出场前在公众号或服务台抵扣。

**English:** 800 spaces on B1–B3, chargers on B2. 5 yuan the first hour, then 3 yuan an hour, 40 yuan a day
at most; spending 200 yuan gives 2 free hours and gold members 3 hours a day.""",
    ),
    DemoArticle(
        "lost_property",
        "store",
        "失物招领 · Lost property",
        "失物招领 丢东西 东西丢了 落在商场 手机丢了 捡到 遗失",
        """在商场内遗失物品，请尽快到一楼总服务台登记或拨打客服热线。拾到的物品在服务台保管 **30 天**，凭有效证件认领；贵重物品交商场保卫部保管。

**English:** Report lost items at the main service desk or by hotline. Found items are kept 30 days and
returned on proof of identity; valuables are kept by security.""",
    ),
    DemoArticle(
        "facilities",
        "store",
        "母婴室、轮椅和寄存服务 · Baby rooms, wheelchairs and lockers",
        "母婴室 轮椅 婴儿车 寄存 储物柜 充电宝 洗手间",
        """- 母婴室：二楼和四楼（儿童区旁）；
- 轮椅、婴儿车：一楼总服务台免费借用，押身份证件；
- 寄存柜：一楼东门，免费使用，当日闭店前取回。

**English:** Baby rooms on the 2nd and 4th floors; wheelchairs and strollers lent free at the main desk
against an ID; free lockers by the east door, to be emptied by closing time.""",
    ),
    DemoArticle(
        "complaint_handling",
        "agents",
        "顾客投诉的受理口径 · Taking a complaint (agents)",
        "投诉 不满意 受理 安抚 首问负责 升级",
        """**首问负责**：接到投诉的客服负责到底，不推诿（禁止说“这不归我管”）。

1. 先安抚、致歉，复述顾客诉求；
2. 记录时间、地点、涉及人员和商品，登记工单；
3. 告知处理时限：一般投诉 24 小时内答复，重大投诉 2 小时内升级主管；
4. 涉及员工本人的投诉转其上级处理（回避）。

**English:** Whoever takes the complaint owns it. Apologise and restate the request, record the facts in a
work order, promise the reply time (24 hours; major complaints escalated within 2 hours); complaints
about a colleague go to that person's superior.""",
        public=False,
    ),
    DemoArticle(
        "promo_briefing",
        "agents",
        "双十二活动说明（必读） · Double-12 sale briefing (must read)",
        "双十二 活动 满减 优惠券 活动规则 促销",
        """12 月 10 日至 12 日全场满 300 减 50（黄金珠宝、家电除外），会员叠加 95 折。活动商品同样享受七天无理由退货，退货时满减优惠按比例扣回；活动期间价保暂停。

**English:** 10–12 December: 50 off every 300 (gold, jewellery and appliances excepted), members another 5%
off. Sale items keep the 7-day return, with the discount shared back on return; price protection is
paused during the sale.""",
        public=False,
        must_read=True,
    ),
    DemoArticle(
        "refund_refused",
        "agents",
        "退款被拒的常见原因 · Why a refund is refused (agents)",
        "退款被拒 拒绝退款 审核不通过 驳回 不给退",
        """退款审核不通过的常见原因：超过退货期限、商品缺少配件或赠品、吊牌已拆、人为损坏。答复顾客时说明具体原因和可选方案（维修、换货），不要只说“不能退”。

**English:** Refunds are refused when the return period has passed, parts or gifts are missing, tags are
removed or the item was damaged by use. Tell the customer the reason and the alternatives (repair,
exchange), never just "no".""",
        public=False,
        review_overdue=True,
    ),
)


def seed_articles(*, by=None, today: date | None = None) -> list:
    """Write the demo articles (and their categories) through the knowledge services; `by` is an
    editor, else the first active manager. Does nothing when an article with the same title exists."""
    from kefu.accounts.models import Role, User
    from kefu.knowledge import services
    from kefu.knowledge.models import Article, Audience, Category

    if by is None:
        by = User.objects.filter(is_active=True, role=Role.MANAGER).order_by("pk").first()
    if by is None:
        return []
    today = today or timezone.localdate()
    categories = {}
    for key, name in CATEGORIES.items():
        categories[key] = (Category.objects.filter(parent=None, name=name).first()
                           or services.category_create(name=name, by=by))  # fmt: skip
    made = []
    for spec in ARTICLES:
        if Article.objects.filter(title=spec.title).exists():
            continue
        made.append(
            services.article_create(
                title=spec.title,
                body_markdown=spec.body,
                keywords=spec.keywords,
                by=by,
                category=categories[spec.category],
                must_read=spec.must_read,
                audience=Audience.PUBLIC if spec.public else Audience.INTERNAL,
                review_on=today - timedelta(days=10) if spec.review_overdue else today + timedelta(days=180),
            )  # fmt: skip
        )
    return made
