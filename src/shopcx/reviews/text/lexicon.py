"""The sentiment lexicon of the untrained default: Chinese and English words, negators, degree words, contrasts.

Written by hand for shop reviews and complaints (nothing here was learnt from a corpus). Weights: 2 = strong
(完美, 垃圾, terrible), 1 = plain (不错, 差, good), 0.5 = weak or often ironic (还行, 一般, ok). Entries are
space-separated words per line so the table stays readable; multi-word English entries use '_' for a space.
"""

from __future__ import annotations

_ZH_POSITIVE = {
    2.0: """
        完美 超赞 太棒 棒极了 非常好 特别好 很棒 极好 优秀 出色 惊艳 惊喜 超值 物超所值 超级好 一级棒
        五星 五分 满分 好评如潮 强烈推荐 大力推荐 值得推荐 值得购买 值得信赖 值得拥有 爱不释手 无可挑剔
        十分满意 非常满意 特别满意 很满意 超满意 百分百满意 相当满意 好极了 没得说 没话说 赞不绝口 必须好评
        """,
    1.0: """
        好 很好 挺好 真好 好用 好看 好吃 好喝 好闻 不错 挺不错 满意 喜欢 很喜欢 推荐 值得 值 实惠 划算
        便宜 正品 新鲜 清晰 流畅 舒服 舒适 柔软 合身 漂亮 精致 结实 耐用 方便 快捷 迅速 及时 准时 神速
        给力 靠谱 放心 安心 贴心 耐心 热情 周到 细心 专业 认真 负责 礼貌 干净 整洁 卫生 安静 宽敞 明亮
        好评 赞 点赞 棒 优质 上档次 大气 高档 时尚 美观 可爱 美味 香甜 甜 脆 多汁 水润 清爽 滋润 柔顺
        顺滑 丝滑 蓬松 保湿 温和 灵敏 稳定 顺畅 省电 续航 持久 快 很快 挺快 飞快 完好 完好无损 严实
        齐全 到位 实用 性价比高 质量好 效果好 效果明显 物流快 发货快 服务好 态度好 回购 还会买 会回购
        再来 下次还来 还会再来 感谢 谢谢 辛苦 开心 愉快 高兴 惊喜 舒心 省心 值得一看 好书 经典 精彩 感人
        有趣 有意思 受益匪浅 受益 启发 生动 通俗易懂 没问题 没有问题 无问题 没毛病 没有毛病 挑不出毛病
        不错的 很赞 满分 好货 真心不错 很实用 物美价廉 信赖 支持 好评如潮 忠实 老顾客 回头客
        """,
    0.5: """
        还行 还可以 还好 可以 凑合 过得去 行 中规中矩 尚可 基本满意 勉强 可以接受 能接受 挺 还不错 比较好
        """,
}

_ZH_NEGATIVE = {
    2.0: """
        垃圾 太差 极差 很差劲 差劲 超差 烂 太烂 稀烂 垃圾货 坑人 坑爹 骗子 骗人 欺骗 忽悠 上当 上当受骗
        假货 假的 冒牌 山寨 翻新 二手货 劣质 伪劣 恶心 恶劣 糟糕 糟透了 失望 太失望 非常失望 极度失望
        后悔 很后悔 气死 气愤 愤怒 无语 崩溃 坑 黑心 奸商 差评 一星 零分 千万别买 千万不要买 不要买
        别买 再也不买 再也不会 不会再买 不会再来 拉黑 要求退款 申请退货 维权 报警 最差
        霉烂 腐烂 发霉 变质 过期 臭 发臭 馊 有毒 致癌 过敏 烂掉 烂了 碎了 死机 黑屏 蓝屏 闪退 死机了
        """,
    1.0: """
        差 很差 较差 不好 很不好 不行 不满意 不满 不喜欢 不推荐 不值 不值得 不划算 不实惠 不好用 不好看
        不好吃 难吃 难看 难闻 难用 难受 不舒服 不合适 不清晰 卡 卡顿 很卡 慢 太慢 很慢 超慢 龟速 延迟
        拖延 迟迟 迟到 等了 一直没 至今没 没收到 没到 丢件 丢失 少发 漏发 错发 发错 缺货 坏 坏了 破 破了
        破损 损坏 压坏 摔坏 裂 裂了 开裂 漏 漏液 漏水 变形 划痕 瑕疵 污渍 脏 很脏 脏兮兮 异味 味道大 刺鼻
        掉色 褪色 起球 脱线 开线 缩水 色差 偏小 偏大 不合身 粗糙 廉价 单薄 太小 个头小 酸 涩 苦
        投诉 退货 退款 干瘪 软了 不新鲜 不甜 没味 吵 吵闹 噪音 噪音大 嘈杂 发热 发烫 烫手 耗电 费电 死板 不灵敏 失灵
        故障 毛病 问题 有问题 bug 不稳定 不兼容 不能用 用不了 打不开 充不进 连不上 没反应 不工作 不稳
        敷衍 冷漠 冷淡 态度差 态度恶劣 不理 不理人 爱理不理 没人理 没人管 推卸 推诿 不负责 不专业 粗鲁
        不耐烦 怠慢 拒绝 不给 不退 不换 不处理 不解决 扯皮 推脱 欺负 贵 太贵 偏贵 很贵 坑钱 不值钱 浪费
        浪费钱 白花钱 冤枉钱 吃亏 不值这个价 性价比低 虚假 虚假宣传 夸大 夸大宣传 不符 不一致 货不对板
        与描述不符 名不副实 图片不符 误导 不实 简陋 陈旧 破旧 老旧 潮湿 霉味 蟑螂 老鼠 蚊子 虫子 头发
        郁闷 烦 烦人 麻烦 生气 心疼 遗憾 可惜 无奈 伤心 不爽 不开心 不靠谱 不放心 担心 怀疑 不如
        失败 糊弄 凑数 鸡肋 一般般 没用 无用 没效果 无效 没什么效果 不明显 泄露 骚扰 骚扰电话 乱扣
        """,
    0.5: """
        一般 普通 还凑合 马马虎虎 不怎么样 有待 有待提高 有待改进 不足 缺点 美中不足 可惜的是
        """,
}

# Words that turn the polarity of what follows (within the clause).
ZH_NEGATORS = frozenset("不 没 没有 无 非 未 别 莫 勿 毫无 并不 并没有 从不 从没 从未 绝不 决不 不是 不会 不能 "
                        "不要 不用 不必 不曾 没什么 一点也不 一点都不 根本不 根本没有 完全不 毫不 不算 "
                        "不太 不是很 不怎么 不大 不够".split())

# Degree words: multiply the next sentiment word. Values above 1 intensify, below 1 soften.
ZH_DEGREE = {
    **dict.fromkeys("非常 特别 十分 极其 极 超 超级 太 很 挺 真 真的 好 相当 格外 尤其 最 贼 巨 蛮 忒 "
                    "实在 简直 完全 绝对 一点也 一点都 根本 太过 过于".split(), 1.5),
    **dict.fromkeys("有点 有些 稍 稍微 略 略微 比较 较 还 还算".split(), 0.6),
}

# Connectives after which the clause carries the writer's conclusion ("不错，但是…").
ZH_CONTRAST = frozenset("但 但是 可是 不过 然而 只是 可惜 偏偏 却".split())

_EN_POSITIVE = {
    2.0: """
        excellent amazing awesome fantastic perfect outstanding superb wonderful brilliant love loved loves
        loving best phenomenal exceptional flawless impressed highly_recommend recommend_it five_stars 5_stars
        """,
    1.0: """
        good great nice fine happy glad pleased satisfied enjoy enjoyed enjoying like liked likes helpful useful
        easy simple fast quick quickly smooth reliable sturdy solid durable comfortable clear crisp beautiful
        pretty cute lovely fun cool convenient handy recommend recommended worth worth_it value bargain cheap
        affordable well responsive friendly polite professional prompt timely fresh clean quiet
        accurate genuine authentic thanks thank works_great works_perfectly works_well favorite favourite
        superb_quality excited
        better improved upgrade upgraded positive wow incredible glad smart loud_and_clear intuitive
        """,
    0.5: "ok okay decent alright acceptable fair average work works working",
}

_EN_NEGATIVE = {
    2.0: """
        terrible horrible awful worst useless garbage junk trash scam fraud fake counterfeit disgusting
        pathetic ridiculous unacceptable hate hated waste refund returned returning return_it never_again
        disappointed disappointing disappointment stopped_working stops_working stop_working
        quit_working broken defective dead died rip-off ripoff misleading
        furious angry one_star 1_star zero_stars
        """,
    1.0: """
        bad poor cheaply flimsy slow late delayed damaged dented crushed cracked leaking leaked leaks missing
        wrong problem problems issue issues fault faulty error errors glitch glitches bug buggy fails failed
        failure stopped unresponsive frustrating frustrated annoying annoyed confusing complicated difficult
        hard rude unhelpful ignored dirty smelly noisy loud overpriced expensive pricey costly sorry unhappy
        unfortunately worse lacking lacks lag laggy crash crashes crashed freezes froze disconnects
        disconnecting static spam spying creepy invasive annoyance regret sucks sad mediocre dumb stupid trouble hassle
        waste_of_money
        """,
    0.5: "meh so-so lacking limited",
}

EN_NEGATORS = frozenset("not no never nothing nobody none neither nor without hardly barely cannot can't cant "
                        "don't dont doesn't doesnt didn't didnt isn't isnt wasn't wasnt aren't arent won't wont "
                        "wouldn't wouldnt shouldn't couldn't couldnt haven't havent hasn't hasnt".split())
EN_DEGREE = {
    **dict.fromkeys("very really so extremely super absolutely totally truly incredibly highly most too "
                    "completely quite".split(), 1.5),
    **dict.fromkeys("somewhat slightly bit little fairly pretty kinda kind_of rather".split(), 0.6),
}
EN_CONTRAST = frozenset("but however though although yet except unfortunately".split())


def _table(groups: dict[float, str], sign: float) -> dict[str, float]:
    table: dict[str, float] = {}
    for weight, words in groups.items():
        for word in words.split():
            table[word.replace("_", " ")] = sign * weight
    return table


def _merge(positive: dict[str, float], negative: dict[str, float]) -> dict[str, float]:
    # A word listed on both sides is a slip in the table above; the negative reading wins (complaints matter more).
    return {**positive, **negative}


ZH_WORDS: dict[str, float] = _merge(_table(_ZH_POSITIVE, 1.0), _table(_ZH_NEGATIVE, -1.0))
EN_WORDS: dict[str, float] = _merge(_table(_EN_POSITIVE, 1.0), _table(_EN_NEGATIVE, -1.0))
EN_PHRASES = {word: weight for word, weight in EN_WORDS.items() if " " in word}
