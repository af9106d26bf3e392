#include "tools/datagen/names.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"

namespace lifeline::datagen {
namespace {

// The 100 most common surnames with their approximate shares of the national population, as the
// census and the Ministry of Public Security's name reports put them (rounded, written here from
// memory of those publications): 王 and 李 near 7.5 %, the first ten about 43 %, the first hundred
// about 86 %.
constexpr SurnameShare kTopSurnames[] = {
    {"王", 0.0750}, {"李", 0.0740}, {"张", 0.0690}, {"刘", 0.0540}, {"陈", 0.0460}, {"杨", 0.0310},
    {"黄", 0.0230}, {"赵", 0.0220}, {"吴", 0.0200}, {"周", 0.0190}, {"徐", 0.0177}, {"孙", 0.0163},
    {"马", 0.0148}, {"朱", 0.0138}, {"胡", 0.0138}, {"郭", 0.0127}, {"何", 0.0125}, {"林", 0.0123},
    {"高", 0.0122}, {"罗", 0.0095}, {"郑", 0.0087}, {"梁", 0.0087}, {"谢", 0.0077}, {"宋", 0.0076},
    {"唐", 0.0072}, {"许", 0.0068}, {"韩", 0.0066}, {"冯", 0.0064}, {"邓", 0.0062}, {"曹", 0.0060},
    {"彭", 0.0058}, {"曾", 0.0056}, {"肖", 0.0055}, {"田", 0.0053}, {"董", 0.0052}, {"袁", 0.0051},
    {"潘", 0.0050}, {"于", 0.0050}, {"蒋", 0.0049}, {"蔡", 0.0048}, {"余", 0.0047}, {"杜", 0.0046},
    {"叶", 0.0044}, {"程", 0.0044}, {"苏", 0.0043}, {"魏", 0.0043}, {"吕", 0.0042}, {"丁", 0.0041},
    {"任", 0.0040}, {"沈", 0.0039}, {"姚", 0.0038}, {"卢", 0.0038}, {"姜", 0.0037}, {"崔", 0.0036},
    {"钟", 0.0036}, {"谭", 0.0035}, {"陆", 0.0034}, {"汪", 0.0034}, {"范", 0.0033}, {"金", 0.0032},
    {"石", 0.0032}, {"廖", 0.0031}, {"贾", 0.0031}, {"夏", 0.0030}, {"韦", 0.0030}, {"付", 0.0029},
    {"方", 0.0029}, {"白", 0.0028}, {"邹", 0.0028}, {"孟", 0.0026}, {"熊", 0.0026}, {"秦", 0.0025},
    {"邱", 0.0025}, {"江", 0.0024}, {"尹", 0.0024}, {"薛", 0.0023}, {"闫", 0.0023}, {"段", 0.0022},
    {"雷", 0.0022}, {"侯", 0.0022}, {"龙", 0.0021}, {"史", 0.0021}, {"陶", 0.0020}, {"黎", 0.0020},
    {"贺", 0.0020}, {"顾", 0.0019}, {"毛", 0.0019}, {"郝", 0.0019}, {"龚", 0.0018}, {"邵", 0.0018},
    {"万", 0.0018}, {"钱", 0.0017}, {"严", 0.0017}, {"覃", 0.0017}, {"武", 0.0017}, {"戴", 0.0016},
    {"莫", 0.0016}, {"孔", 0.0016}, {"向", 0.0016}, {"汤", 0.0016},
};

// Less common surnames in roughly falling order, compound ones last except 欧阳 (the most common
// of them). Their shares are not published one by one: Surnames() spreads what the first hundred
// leave over them as 1/rank.
constexpr const char* kTailSurnames[] = {
    "常",   "温",   "康",   "施",   "文",   "牛",   "樊",   "葛",   "邢",   "安",   "齐",   "易",
    "乔",   "伍",   "庞",   "颜",   "倪",   "庄",   "聂",   "章",   "鲁",   "岳",   "翟",   "殷",
    "詹",   "申",   "欧",   "耿",   "关",   "兰",   "焦",   "俞",   "左",   "柳",   "甘",   "祝",
    "包",   "宁",   "尚",   "符",   "舒",   "阮",   "柯",   "纪",   "梅",   "童",   "凌",   "毕",
    "单",   "季",   "欧阳", "裴",   "霍",   "涂",   "成",   "苗",   "谷",   "盛",   "曲",   "翁",
    "冉",   "骆",   "蓝",   "路",   "游",   "辛",   "靳",   "管",   "柴",   "蒙",   "鲍",   "华",
    "喻",   "祁",   "蒲",   "房",   "滕",   "屈",   "饶",   "解",   "牟",   "艾",   "尤",   "阳",
    "时",   "穆",   "农",   "司",   "卓",   "古",   "吉",   "缪",   "简",   "车",   "项",   "连",
    "芦",   "麦",   "褚",   "娄",   "窦",   "戚",   "岑",   "景",   "党",   "宫",   "费",   "卜",
    "冷",   "晏",   "席",   "卫",   "米",   "柏",   "宗",   "瞿",   "桂",   "全",   "佟",   "应",
    "臧",   "闵",   "苟",   "邬",   "边",   "卞",   "姬",   "师",   "和",   "仇",   "栾",   "隋",
    "商",   "刁",   "沙",   "荣",   "巫",   "寇",   "桑",   "郎",   "甄",   "丛",   "仲",   "虞",
    "敖",   "巩",   "明",   "佘",   "池",   "查",   "麻",   "苑",   "迟",   "邝",   "官",   "封",
    "谈",   "匡",   "鞠",   "惠",   "荆",   "乐",   "冀",   "郁",   "胥",   "南",   "班",   "储",
    "原",   "栗",   "燕",   "楚",   "鄢",   "劳",   "谌",   "奚",   "皮",   "粟",   "冼",   "蔺",
    "楼",   "盘",   "满",   "闻",   "位",   "厉",   "伊",   "仝",   "郜",   "海",   "阚",   "花",
    "权",   "强",   "帅",   "屠",   "豆",   "朴",   "盖",   "练",   "廉",   "禹",   "井",   "祖",
    "漆",   "巴",   "丰",   "支",   "卿",   "国",   "狄",   "平",   "计",   "索",   "宣",   "晋",
    "相",   "初",   "门",   "云",   "容",   "敬",   "来",   "扈",   "晁",   "芮",   "都",   "普",
    "阙",   "浦",   "戈",   "伏",   "鹿",   "薄",   "邸",   "雍",   "辜",   "羊",   "乌",   "裘",
    "亓",   "修",   "邰",   "赫",   "杭",   "况",   "宿",   "鲜",   "印",   "逯",   "隆",   "茹",
    "诸",   "战",   "慕",   "危",   "玉",   "银",   "亢",   "嵇",   "公",   "湛",   "宾",   "戎",
    "勾",   "茅",   "於",   "呼",   "居",   "揭",   "尉",   "斯",   "元",   "束",   "檀",   "衣",
    "信",   "展",   "阴",   "昝",   "智",   "幸",   "奉",   "植",   "衡",   "富",   "尧",   "由",
    "司马", "诸葛", "上官", "司徒", "东方", "夏侯", "皇甫", "公孙", "慕容", "令狐", "尉迟", "长孙",
    "宇文", "端木",
};

// Given names by birth decade and sex, most common first, separated by spaces. Written for this
// project from what is known of each era's naming: generation and "revolutionary" names (建国,
// 援朝, 卫东) and 秀/桂/淑/玉 names before 1970, one-character names (伟, 磊, 静, 丽) peaking in
// the 1970s and 1980s, and the two-character literary names (浩然, 子涵, 梓轩, 一诺) of the
// 2000s and 2010s. Each listed name's share falls off with its rank (Zipf); a share of each
// decade's names is instead composed from two characters, which makes most of those rare.
struct DecadeNames {
  const char* male;  // names, most common first, separated by spaces
  const char* female;
  // Characters that begin and end the rarer names composed for this decade, drawn uniformly.
  const char* male_first;
  const char* male_second;
  const char* female_first;
  const char* female_second;
  double composed_share;  // more individual names in later decades
};
constexpr DecadeNames kDecades[] = {
    // Born before 1950.
    {"德胜 福林 长林 玉林 德山 有才 永福 春生 宝山 金山 德华 玉山 文华 国华 长青 占山 万福 "
     "世杰 庆云 树林 福生 长山 有福 振华 德林 金海 永祥 学文 明德 庆华 玉成 守信 正清 德福 "
     "富贵 根生 志远 云生 长发 春山 广才 德元 宝林 少华 文成 家声 维新 金生 传宝 家财 永发 "
     "德全 有德 荣华 兴旺 怀德 宗林 景山 佩林 长生",
     "秀英 桂英 玉兰 秀兰 桂兰 凤英 玉英 秀珍 淑珍 桂珍 兰英 玉珍 素珍 淑英 玉梅 凤兰 桂芳 "
     "秀芝 秀荣 桂香 玉芳 淑兰 金凤 翠英 素英 月英 凤珍 玉凤 秀云 玉华 素兰 桂荣 桂芝 秀华 "
     "玉秀 金兰 翠兰 秀梅 美英 素梅 兰芳 桂花 玉琴 秀芳 月兰 凤琴 玉香 秀凤 巧云 春兰 菊英 "
     "菊花 淑芬 佩兰 淑贞 玉珠 翠花 金花 凤仙 彩云",
     "德福长玉有永春宝金文国占万世庆树振学明守正富根志云广少家维传荣兴怀宗景佩茂汉炳绍继桂道仁发克"
     "恒锡鸿友",
     "胜林山才福生华青堂杰云成信清全贵远发元声新宝财德旺祥海和田顺昌明富仁义礼章斌修甫臣魁彬友龙荣",
     "秀桂玉凤淑兰素月金翠美巧春菊佩彩银秋冬桃杏梅雪爱瑞慧宝小招来惠德荷莲云",
     "英兰珍芳荣香芝梅云华秀凤琴花仙珠贞芬娥娣姑莲霞菊枝娟玲翠琼清", 0.35},
    // 1950s.
    {"建国 建华 国华 建平 国强 建军 志强 国庆 卫国 新华 振华 建新 援朝 建民 国平 志刚 建明 "
     "和平 德华 保国 立新 跃进 爱国 志华 建设 国良 明华 军 平 华 明 强 国栋 福生 学军 文华 "
     "国明 长春 永生 春生 志明 德明 国忠 建林 国富 光明 振国 兴华 海生 志成 文斌 永华 永强 "
     "宝华 庆华 国安 新民 树林 卫平 国斌 爱民 玉林 长林 林 斌",
     "秀英 桂英 秀兰 玉兰 桂兰 淑珍 秀珍 凤英 玉梅 玉珍 淑英 秀芳 桂芳 秀荣 淑兰 玉英 秀云 "
     "玉华 秀梅 桂珍 美英 兰英 素珍 金凤 凤兰 秀华 丽华 玉芬 桂香 淑华 秀芝 美华 翠英 素英 "
     "玉芳 春兰 冬梅 秀琴 红英 爱华 玉琴 秀玲 桂荣 凤琴 月英 玉凤 玉霞 淑芳 美兰 小英 建华 "
     "国英 爱英 桂花 秀娟 淑琴 丽英 彩霞 春英 玉荣 秀凤 菊英",
     "建国志卫新振保立跃爱明福学文长永光兴海宝庆树玉德金红胜和继忠东世家春向先祖",
     "国华平强军庆民刚明进设良栋生春忠林富成斌安东新山祥荣勇武伟杰清泉发友贵",
     "秀桂玉淑凤美兰素金丽春冬红爱月小建国彩菊翠秋慧文英银海桃华",
     "英兰珍梅芳荣云华芬香芝琴玲凤霞娟萍莲琼清君平敏娣花菊", 0.35},
    // 1960s.
    {"建军 建华 军 勇 伟 卫东 建国 平 强 斌 国强 卫国 志强 建平 华 明 红军 东 海 刚 林 杰 "
     "志刚 向东 卫兵 永红 红兵 建设 志勇 建明 建新 国华 立新 学军 忠 建忠 振华 新民 爱国 "
     "胜利 建民 文斌 宏 峰 波 辉 俊 涛 海军 建伟 立军 建成 跃进 国平 国庆 国良 志华 海波 "
     "建林 庆华 春生 卫平 文华 红旗 永强 立国",
     "秀英 红 丽 英 玉兰 桂英 秀兰 华 萍 玉梅 红梅 丽华 秀芳 霞 燕 芳 秀珍 凤英 桂兰 淑珍 "
     "玉珍 敏 玲 琴 秀云 春梅 卫红 红霞 红英 海燕 丽萍 美华 秀梅 小红 爱华 玉华 红艳 桂芳 "
     "素珍 秀荣 冬梅 淑英 秀琴 秀华 金凤 玉芳 玉霞 小平 丽娟 建英 晓红 彩霞 凤 荣 莉 梅 兰 "
     "丽君 春燕 月华 国英 桂珍 亚平",
     "建卫国红志向永学立海振新爱胜跃文庆春明晓东小忠继宏德长金军俊光",
     "军华东国强兵刚平明勇新民林伟斌忠成波峰辉生旗杰武彪良宏涛亮",
     "秀红丽玉桂春海美卫小晓建爱月金彩冬雪亚素凤淑翠艳丹",
     "英梅华霞燕萍芳红兰珍云琴玲娟敏君平芬艳莉荣凤香洁丽", 0.40},
    // 1970s.
    {"伟 勇 军 磊 斌 涛 强 杰 波 刚 平 辉 明 峰 超 鹏 华 建华 建军 海 东 林 亮 健 俊 飞 宁 "
     "志强 海涛 建 宏 浩 晓东 永 锋 兵 海波 晓明 文 志勇 建伟 剑 彬 卫东 红军 新 龙 小军 "
     "立新 国强 海军 建平 卫国 永强 晓峰 小龙 学文 文军 俊杰 东升 春雷 新华 庆 建国 金龙 "
     "勇军 志刚 晓军 红兵",
     "丽 红 芳 艳 燕 敏 霞 英 静 华 丽华 丽娟 红霞 海燕 春梅 萍 玲 娟 梅 琴 秀英 小红 秀兰 "
     "红梅 丽萍 晓燕 莉 慧 兰 凤 洁 春燕 艳红 美玲 玉梅 晓红 桂英 秀芳 玉兰 红艳 雪梅 晓梅 "
     "琳 翠 冬梅 金凤 秀云 春花 丽红 玉华 建华 晓丽 小燕 海霞 凤英 小梅 彩霞 秀梅 丹 晓玲 "
     "玉凤 爱华 艳萍 秋菊",
     "海建晓志小永卫红文国东立学俊春金新勇伟振宏明剑光庆德家鹏",
     "涛波东明军峰华强平伟斌勇辉龙杰刚林兵亮飞锋雷彬宇清生新",
     "丽红海春晓美小玉秀雪艳彩秋冬金凤爱建慧翠亚燕丹",
     "燕霞梅华红芳娟丽萍玲琴敏英莉慧洁艳兰静菊云凤君", 0.40},
    // 1980s.
    {"伟 磊 勇 涛 超 杰 鹏 强 军 斌 浩 刚 波 辉 峰 亮 明 飞 俊 健 林 龙 宇 帅 东 平 阳 博 "
     "凯 晨 毅 欢 坤 鑫 剑 彬 海涛 建华 志强 晓东 海波 俊杰 小龙 建军 伟伟 晓明 志伟 建伟 "
     "振 鹏飞 海龙 文杰 永 国强 小军 晓峰 磊磊 旭 锋 兵 雷 佳 乐 振华 金龙 亚伟 文斌 晓龙",
     "静 丽 燕 艳 婷 芳 娟 敏 霞 丹 倩 晶 玲 红 莉 慧 洁 颖 琳 雪 英 萍 梅 丽娜 婷婷 晓丽 "
     "丽丽 晓燕 小燕 海燕 艳艳 丽娟 静静 晓敏 红霞 春燕 佳 楠 蕾 娜 亚楠 晓红 小红 琴 莹 "
     "璐 晶晶 倩倩 丹丹 美玲 秀英 晓琳 雪梅 晓玲 媛 宁 露 微 雪莲 欣 萌 芳芳 娟娟 玉",
     "志晓海建小文俊振鹏亚永国明金伟浩家宇天子立东新春晨",
     "伟磊勇涛超杰鹏强军斌浩刚波辉峰亮明飞俊健林龙宇帅东阳博凯晨毅鑫彬",
     "晓丽小海春雪美亚艳秀红佳静慧玉文思婷欣秋梦",
     "静丽燕艳婷芳娟敏霞丹倩晶玲红莉慧洁颖琳雪英萍梅娜楠蕾莹璐媛", 0.45},
    // 1990s.
    {"杰 磊 伟 涛 超 鹏 浩 帅 强 洋 宇 鑫 博 龙 凯 俊 亮 斌 飞 勇 辉 阳 军 峰 健 明 波 晨 "
     "旭 豪 康 林 坤 森 瑞 畅 帆 昊 俊杰 浩然 家豪 子豪 文博 鹏飞 志强 晓东 嘉伟 宇航 明辉 "
     "天宇 振宇 晓龙 志伟 俊豪 建华 文杰 海涛 一鸣 佳豪 泽宇 东升 浩宇 嘉豪 金龙",
     "婷 静 敏 丹 倩 婷婷 雪 颖 佳 慧 琳 欣 晶晶 丹丹 佳佳 雨 玲 娜 燕 莹 蕾 璐 洁 楠 瑶 "
     "悦 月 琪 萌 梦 晨 露 雯 思 佳琪 思琪 雨婷 梦婷 佳慧 雪梅 晓雪 欣然 倩倩 静静 文静 晓丽 "
     "雅琪 嘉欣 梦瑶 佳敏 亚楠 秋月 丽娜 晓敏 玉洁 雨欣 美琪 慧敏 晓燕 小雪 芳 艳 丽",
     "俊浩家子文鹏志晓嘉宇明天振一佳泽东建凯博",
     "杰磊伟涛超鹏浩帅强洋宇鑫博龙凯俊亮斌飞勇辉阳军峰健明波晨旭豪康林坤森瑞",
     "雨思佳梦雪晓欣雅嘉文静美玉秋丹倩婷亚慧小",
     "婷静敏丹倩雪颖佳慧琳欣晶玲娜燕莹蕾璐洁楠瑶悦月琪萌露雯然", 0.50},
    // 2000s.
    {"浩 子豪 浩然 俊杰 宇航 梓豪 子轩 浩宇 宇轩 家豪 宇 杰 鑫 博 鹏 涛 宇豪 天宇 俊豪 文博 "
     "博文 梓轩 一鸣 嘉豪 思远 明轩 佳豪 皓轩 铭 晨 浩轩 泽宇 子健 俊熙 志豪 星宇 振宇 嘉伟 "
     "宇杰 浩天 昊天 锦程 睿 雨泽 航 俊宇 宏宇 晨阳 煜 鸿 家乐 一帆 子杰 俊凯 天佑 浩博 "
     "宇辰 文涛 佳乐 旭 帅 磊 伟",
     "欣怡 雨欣 佳怡 诗涵 梓涵 思琪 雨涵 子涵 欣悦 梦瑶 佳琪 雨婷 思雨 佳欣 紫涵 雅琪 欣雨 "
     "可欣 佳慧 思涵 欣然 梦琪 雅婷 婧 怡 雪 雨 佳 琪 萱 悦 涵 婷 静怡 语嫣 雨晴 心怡 文静 "
     "馨怡 嘉怡 梦洁 佳琳 若曦 紫萱 诗琪 晓雪 雅欣 思佳 雨萱 依依 梦雪 佳佳 美琪 慧敏 璐 颖 "
     "楠",
     "子浩俊宇梓家天文博一思明佳皓泽志星振嘉昊锦雨宏晨鸿",
     "豪然杰航轩宇博鹏涛鑫文远鸣健熙阳帆辰睿泽凯乐佑铭晨涵",
     "欣雨佳诗梓思子梦紫雅可静语心馨嘉若晓依美慧雪", "怡欣涵琪瑶悦婷雨萱然琳洁晴雪嫣曦佳颖月彤妍",
     0.55},
    // 2010 and later.
    {"浩宇 浩然 宇轩 子轩 梓轩 一诺 宇航 俊熙 奕辰 亦辰 宇辰 子墨 宇泽 浩轩 沐宸 梓豪 皓轩 "
     "睿 梓睿 子豪 一鸣 明轩 俊杰 思远 铭轩 嘉懿 梓航 子睿 锦程 宇 辰 泽 航 博文 晨阳 梓晨 "
     "浩 天佑 煜祺 宸 梓宸 承泽 逸辰 俊宇 皓宇 一航 子骞 浩宸 一凡 昊然 梓铭 思源 云帆 奕 "
     "泽宇 文博 佳豪 瑞 沐阳",
     "一诺 梓涵 子涵 欣怡 诗涵 雨桐 可馨 梓萱 若汐 语桐 依诺 思涵 紫涵 欣妍 雨涵 艺涵 可欣 "
     "佳怡 语汐 梓琪 一涵 诗琪 梦瑶 雨萱 安琪 婉清 诗雨 梓彤 思妍 芷涵 若曦 沐晴 梓欣 雨彤 "
     "一然 语嫣 欣然 佳琪 悦 涵 萱 彤 思琪 馨 梓晴 子琪 沐瑶 语涵 若溪 清妍 佳欣 书瑶 雨欣 "
     "可心 心怡 晨曦 紫萱 依依",
     "浩宇子梓一俊奕亦沐皓睿明铭嘉锦天煜承逸云思泽博昊晨辰",
     "宇然轩诺航熙辰墨泽宸豪睿鸣杰远懿程文阳祺骞凡源帆铭博",
     "梓子欣诗雨可若语依思紫艺一佳安婉芷沐书清心晨梦悦",
     "涵诺怡桐馨萱汐妍琪彤清雨晴欣然嫣瑶溪曦心宁萌茜", 0.60},
};
constexpr int kDecadeCount = static_cast<int>(std::size(kDecades));
constexpr int kFirstDecadeYear = 1940;  // decade 0 ends in 1949

// Zipf weight of the name at 0-based `rank`: 1 / (rank + kZipfOffset)^kZipfExponent.
constexpr double kZipfExponent = 1.0;
constexpr double kZipfOffset = 3.0;
// Birth years are blurred by up to this many years before choosing the decade's pool.
constexpr int kYearBlur = 2;

constexpr size_t kCjkBytes = 3;  // every character in these tables is a 3-byte UTF-8 sequence

// Draws built from rng() words only, so that a seed gives the same names with any standard
// library (std::uniform_*_distribution may differ between them).

// Uniform in [0, n) for n < 2^32, by multiplying the top 32 bits of a word.
size_t Below(std::mt19937_64& rng, size_t n) {
  return static_cast<size_t>(((rng() >> 32) * static_cast<uint64_t>(n)) >> 32);
}
// Uniform in [lo, hi].
int Between(std::mt19937_64& rng, int lo, int hi) {
  return lo + static_cast<int>(Below(rng, static_cast<size_t>(hi - lo + 1)));
}
// Uniform in [0, 1) with 53 random bits.
double Unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
bool Chance(std::mt19937_64& rng, double p) { return Unit(rng) < p; }

// Crashes on a broken table: the tables are part of the program, not input.
void CheckTable(bool ok) {
  if (!ok) std::abort();
}

// Index of the first entry of `cdf` (ascending, ending at 1) greater than a uniform draw.
size_t DrawFromCdf(const std::vector<double>& cdf, double u) {
  const auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
  return std::min(static_cast<size_t>(it - cdf.begin()), cdf.size() - 1);
}

std::vector<double> NormalizedCdf(const std::vector<double>& weights) {
  std::vector<double> cdf(weights.size());
  double total = 0;
  for (size_t i = 0; i < weights.size(); ++i) cdf[i] = (total += weights[i]);
  for (double& c : cdf) c /= total;
  cdf.back() = 1.0;
  return cdf;
}

struct City {
  const char* prefix;  // first four digits of the county codes
  const char* name;
};
constexpr City kCities[] = {
    {"3401", "合肥市"},   {"3402", "芜湖市"}, {"3403", "蚌埠市"}, {"3404", "淮南市"},
    {"3405", "马鞍山市"}, {"3406", "淮北市"}, {"3407", "铜陵市"}, {"3408", "安庆市"},
    {"3410", "黄山市"},   {"3411", "滁州市"}, {"3412", "阜阳市"}, {"3413", "宿州市"},
    {"3415", "六安市"},   {"3416", "亳州市"}, {"3417", "池州市"}, {"3418", "宣城市"},
};

// Anhui's county-level divisions as of the early 2020s. Districts made from former counties
// (湾沚区, 繁昌区, 义安区) stay mostly rural. Old codes are those the county carried
// before the reorganizations people's ID numbers still show: the Chaohu prefecture (3414)
// abolished in 2011, counties turned into districts or cities, districts merged.
}  // namespace

const std::vector<County>& Counties() {
  static const std::vector<County>* const kTable = new std::vector<County>{
      {"340102", "瑶海区", false, nullptr},   {"340103", "庐阳区", false, nullptr},
      {"340104", "蜀山区", false, nullptr},   {"340111", "包河区", false, nullptr},
      {"340121", "长丰县", true, nullptr},    {"340122", "肥东县", true, nullptr},
      {"340123", "肥西县", true, nullptr},    {"340124", "庐江县", true, "341421"},
      {"340181", "巢湖市", true, "341402"},   {"340202", "镜湖区", false, nullptr},
      {"340207", "鸠江区", false, nullptr},   {"340209", "弋江区", false, "340203"},
      {"340210", "湾沚区", true, "340221"},   {"340212", "繁昌区", true, "340222"},
      {"340223", "南陵县", true, nullptr},    {"340281", "无为市", true, "341422"},
      {"340302", "龙子湖区", false, nullptr}, {"340303", "蚌山区", false, nullptr},
      {"340304", "禹会区", false, nullptr},   {"340311", "淮上区", false, nullptr},
      {"340321", "怀远县", true, nullptr},    {"340322", "五河县", true, nullptr},
      {"340323", "固镇县", true, nullptr},    {"340402", "大通区", false, nullptr},
      {"340403", "田家庵区", false, nullptr}, {"340404", "谢家集区", false, nullptr},
      {"340405", "八公山区", false, nullptr}, {"340406", "潘集区", false, nullptr},
      {"340421", "凤台县", true, nullptr},    {"340422", "寿县", true, "341521"},
      {"340503", "花山区", false, nullptr},   {"340504", "雨山区", false, nullptr},
      {"340506", "博望区", false, nullptr},   {"340521", "当涂县", true, nullptr},
      {"340522", "含山县", true, "341423"},   {"340523", "和县", true, "341424"},
      {"340602", "杜集区", false, nullptr},   {"340603", "相山区", false, nullptr},
      {"340604", "烈山区", false, nullptr},   {"340621", "濉溪县", true, nullptr},
      {"340705", "铜官区", false, "340702"},  {"340706", "义安区", true, "340721"},
      {"340711", "郊区", false, nullptr},     {"340722", "枞阳县", true, "340823"},
      {"340802", "迎江区", false, nullptr},   {"340803", "大观区", false, nullptr},
      {"340811", "宜秀区", false, nullptr},   {"340822", "怀宁县", true, nullptr},
      {"340825", "太湖县", true, nullptr},    {"340826", "宿松县", true, nullptr},
      {"340827", "望江县", true, nullptr},    {"340828", "岳西县", true, nullptr},
      {"340881", "桐城市", true, nullptr},    {"340882", "潜山市", true, "340824"},
      {"341002", "屯溪区", false, nullptr},   {"341003", "黄山区", false, nullptr},
      {"341004", "徽州区", false, nullptr},   {"341021", "歙县", true, nullptr},
      {"341022", "休宁县", true, nullptr},    {"341023", "黟县", true, nullptr},
      {"341024", "祁门县", true, nullptr},    {"341102", "琅琊区", false, nullptr},
      {"341103", "南谯区", false, nullptr},   {"341122", "来安县", true, nullptr},
      {"341124", "全椒县", true, nullptr},    {"341125", "定远县", true, nullptr},
      {"341126", "凤阳县", true, nullptr},    {"341181", "天长市", true, nullptr},
      {"341182", "明光市", true, nullptr},    {"341202", "颍州区", false, nullptr},
      {"341203", "颍东区", false, nullptr},   {"341204", "颍泉区", false, nullptr},
      {"341221", "临泉县", true, nullptr},    {"341222", "太和县", true, nullptr},
      {"341225", "阜南县", true, nullptr},    {"341226", "颍上县", true, nullptr},
      {"341282", "界首市", true, nullptr},    {"341302", "埇桥区", false, nullptr},
      {"341321", "砀山县", true, nullptr},    {"341322", "萧县", true, nullptr},
      {"341323", "灵璧县", true, nullptr},    {"341324", "泗县", true, nullptr},
      {"341502", "金安区", false, nullptr},   {"341503", "裕安区", false, nullptr},
      {"341504", "叶集区", false, nullptr},   {"341522", "霍邱县", true, nullptr},
      {"341523", "舒城县", true, nullptr},    {"341524", "金寨县", true, nullptr},
      {"341525", "霍山县", true, nullptr},    {"341602", "谯城区", false, nullptr},
      {"341621", "涡阳县", true, nullptr},    {"341622", "蒙城县", true, nullptr},
      {"341623", "利辛县", true, nullptr},    {"341702", "贵池区", false, nullptr},
      {"341721", "东至县", true, nullptr},    {"341722", "石台县", true, nullptr},
      {"341723", "青阳县", true, nullptr},    {"341802", "宣州区", false, nullptr},
      {"341821", "郎溪县", true, nullptr},    {"341823", "泾县", true, nullptr},
      {"341824", "绩溪县", true, nullptr},    {"341825", "旌德县", true, nullptr},
      {"341881", "宁国市", true, nullptr},    {"341882", "广德市", true, "341822"},
  };
  return *kTable;
}

namespace {

// Address parts. Town and village names are a first part and a second part, in the style of the
// Jianghuai plain (集, 店, 岗, 圩, 郢 are typical endings).
constexpr const char* kTownFirst[] = {
    "新", "高", "双", "三河", "马", "石", "长", "永",   "大",   "白",   "黄", "青", "龙", "桃",
    "柳", "杨", "孙", "丁",   "彭", "古", "姚", "城西", "城东", "河口", "官", "花", "临", "万"};
constexpr const char* kTownSecond[] = {"集", "店", "桥", "庙", "岗", "湖", "河", "山",
                                       "铺", "圩", "塘", "寨", "楼", "庄", "冲", "埠"};
constexpr const char* kVillageFirst[] = {
    "王", "李", "张", "刘", "陈", "杨", "周", "吴", "徐", "孙", "胡", "朱", "新", "前", "后",
    "东", "西", "南", "北", "大", "小", "高", "桃", "花", "枣", "柳", "槐", "松", "红", "光"};
constexpr const char* kVillageSecond[] = {"庄", "岗", "湾", "圩", "洼", "寨", "楼", "营",
                                          "郢", "塘", "冲", "园", "店", "集", "桥", "林"};
constexpr const char* kRoadFirst[] = {
    "长江", "淮河", "黄山", "人民", "解放", "胜利", "建设", "文化", "和平", "幸福",
    "振兴", "光明", "新华", "朝阳", "民主", "团结", "花园", "望江", "翠微", "皖江",
    "府前", "学院", "环城", "育才", "东风", "红星", "龙湖", "滨河", "站前", "金山"};
constexpr const char* kRoadDirection[] = {"", "", "", "东", "西", "南", "北", "中"};
constexpr const char* kRoadKind[] = {"路", "路", "路", "路", "大道", "街"};
constexpr const char* kGroupNumbers[] = {"一", "二", "三", "四", "五",   "六",
                                         "七", "八", "九", "十", "十一", "十二"};

template <typename T, size_t N>
const T& Pick(const T (&table)[N], std::mt19937_64& rng) {
  return table[Below(rng, N)];
}

std::string VillageName(std::mt19937_64& rng) {
  return absl::StrCat(Pick(kVillageFirst, rng), Pick(kVillageSecond, rng));
}

constexpr char kProvince[] = "安徽省";

// The characters of `text`, each checked to be a 3-byte UTF-8 sequence.
std::vector<std::string_view> SplitChars(std::string_view text) {
  CheckTable(text.size() % kCjkBytes == 0);
  std::vector<std::string_view> chars;
  for (size_t i = 0; i < text.size(); i += kCjkBytes) {
    CheckTable((static_cast<unsigned char>(text[i]) & 0xF0) == 0xE0);
    chars.push_back(text.substr(i, kCjkBytes));
  }
  return chars;
}

// The words of `text`, separated by single or repeated spaces.
std::vector<std::string_view> SplitSpaces(std::string_view text) {
  std::vector<std::string_view> words;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find(' ', begin);
    if (end == std::string_view::npos) end = text.size();
    if (end > begin) words.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return words;
}

}  // namespace

const std::vector<SurnameShare>& Surnames() {
  static const std::vector<SurnameShare>* const kTable = [] {
    auto* table = new std::vector<SurnameShare>(std::begin(kTopSurnames), std::end(kTopSurnames));
    double top = 0;
    for (const SurnameShare& s : kTopSurnames) top += s.share;
    const size_t first_rank = table->size() + 1;
    double harmonic = 0;
    for (size_t i = 0; i < std::size(kTailSurnames); ++i) {
      harmonic += 1.0 / static_cast<double>(first_rank + i);
    }
    // Keeps the total just under 1 so that rounding never pushes it above.
    const double scale = (1.0 - top) * (1.0 - 1e-12) / harmonic;
    for (size_t i = 0; i < std::size(kTailSurnames); ++i) {
      table->push_back({kTailSurnames[i], scale / static_cast<double>(first_rank + i)});
    }
    return table;
  }();
  return *kTable;
}

NameGenerator::NameGenerator() {
  const std::vector<SurnameShare>& surnames = Surnames();
  std::vector<double> weights;
  for (const SurnameShare& s : surnames) {
    surnames_.push_back(s.surname);
    weights.push_back(s.share);
  }
  surname_cdf_ = NormalizedCdf(weights);

  for (const DecadeNames& decade : kDecades) {
    for (const bool female : {false, true}) {
      Pool pool;
      pool.names = SplitSpaces(female ? decade.female : decade.male);
      weights.clear();
      for (size_t rank = 0; rank < pool.names.size(); ++rank) {
        const size_t size = pool.names[rank].size();
        CheckTable(size == kCjkBytes || size == 2 * kCjkBytes);
        weights.push_back(std::pow(static_cast<double>(rank) + kZipfOffset, -kZipfExponent));
      }
      pool.cdf = NormalizedCdf(weights);
      pool.first_chars = SplitChars(female ? decade.female_first : decade.male_first);
      pool.second_chars = SplitChars(female ? decade.female_second : decade.male_second);
      CheckTable(!pool.first_chars.empty() && !pool.second_chars.empty());
      pool.composed_share = decade.composed_share;
      pools_.push_back(std::move(pool));
    }
  }
}

std::string NameGenerator::Surname(std::mt19937_64& rng) const {
  return surnames_[DrawFromCdf(surname_cdf_, Unit(rng))];
}

const NameGenerator::Pool& NameGenerator::PoolFor(Sex sex, int birth_year) const {
  const int decade = std::clamp((birth_year - kFirstDecadeYear) / 10, 0, kDecadeCount - 1);
  return pools_[static_cast<size_t>(decade * 2 + (sex == Sex::kFemale ? 1 : 0))];
}

std::string NameGenerator::GivenName(Sex sex, int birth_year, std::mt19937_64& rng) const {
  const int year = birth_year + Between(rng, -kYearBlur, kYearBlur);
  const Pool& pool = PoolFor(sex, year);
  const double u = Unit(rng);
  if (u >= pool.composed_share) {
    return std::string(
        pool.names[DrawFromCdf(pool.cdf, (u - pool.composed_share) / (1 - pool.composed_share))]);
  }
  const std::string_view first = pool.first_chars[Below(rng, pool.first_chars.size())];
  const std::string_view second = pool.second_chars[Below(rng, pool.second_chars.size())];
  if (first == second) return std::string(pool.names[DrawFromCdf(pool.cdf, Unit(rng))]);
  std::string name;
  name.reserve(2 * kCjkBytes);
  name.append(first);
  name.append(second);
  return name;
}

const char* CityName(const County& county) {
  const std::string_view code = county.code;
  for (const City& city : kCities) {
    if (code.substr(0, 4) == city.prefix) return city.name;
  }
  return "";
}

std::string MakeAddress(const County& county, bool rural, std::mt19937_64& rng) {
  if (rural) {
    const char* township = Chance(rng, 0.15) ? "乡" : "镇";
    const std::string town = absl::StrCat(Pick(kTownFirst, rng), Pick(kTownSecond, rng));
    return absl::StrCat(kProvince, CityName(county), county.name, town, township, VillageName(rng),
                        "村", Pick(kGroupNumbers, rng), "组", Between(rng, 1, 99), "号");
  }
  const int floor = Between(rng, 1, 18);
  const int flat = Between(rng, 1, 4);
  return absl::StrCat(CityName(county), county.name, Pick(kRoadFirst, rng),
                      Pick(kRoadDirection, rng), Pick(kRoadKind, rng), Between(rng, 1, 999), "号",
                      Between(rng, 1, 30), "栋", Between(rng, 1, 4), "单元", floor, "0", flat,
                      "室");
}

namespace {

// The ways an address goes stale. Each returns false, leaving `address` alone, when it does not
// apply.

// Drops "安徽省" and sometimes the city after it; an address without the province (urban) loses
// its city.
bool DropPrefix(std::string& address, std::mt19937_64& rng) {
  bool changed = false;
  const std::string_view province = kProvince;
  if (address.starts_with(province)) {
    address.erase(0, province.size());
    changed = true;
    if (Chance(rng, 0.5)) return true;
  }
  // The city name ends at the first 市 within its first four characters; something must follow.
  const size_t city_end = address.find("市");
  if (city_end != std::string::npos && city_end <= 3 * kCjkBytes &&
      address.size() > city_end + 2 * kCjkBytes) {
    address.erase(0, city_end + kCjkBytes);
    changed = true;
  }
  return changed;
}

// Puts back a village name from before a merger, and sometimes 乡 for a town that became a 镇.
bool OldVillage(std::string& address, std::mt19937_64& rng) {
  // The village is what lies between the last 镇 or 乡 before 村 and the 村 (the county's own name
  // may hold a 镇, as in 固镇县).
  const size_t village_end = address.find("村");
  if (village_end == std::string::npos) return false;
  const size_t town = address.rfind("镇", village_end);
  const size_t township = address.rfind("乡", village_end);
  size_t town_end = town;
  if (town_end == std::string::npos || (township != std::string::npos && township > town_end)) {
    town_end = township;
  }
  if (town_end == std::string::npos) return false;
  const size_t village_begin = town_end + kCjkBytes;
  const std::string current = address.substr(village_begin, village_end - village_begin);
  std::string old = VillageName(rng);
  while (old == current) old = VillageName(rng);
  address.replace(village_begin, village_end - village_begin, old);
  if (address.compare(town_end, kCjkBytes, "镇") == 0 && Chance(rng, 0.3)) {
    address.replace(town_end, kCjkBytes, "乡");
  }
  return true;
}

// Drops the flat (栋/单元/室) after the house number, or the house number and all after it.
bool DropNumber(std::string& address, std::mt19937_64& rng) {
  const size_t number_end = address.find("号");
  if (number_end == std::string::npos) return false;
  const size_t after = number_end + kCjkBytes;
  if (after < address.size() && Chance(rng, 0.5)) {
    address.erase(after);
    return true;
  }
  size_t digits = number_end;
  while (digits > 0 && address[digits - 1] >= '0' && address[digits - 1] <= '9') --digits;
  if (digits == number_end) return false;
  address.erase(digits);
  return true;
}

}  // namespace

std::string StaleAddress(const std::string& address, std::mt19937_64& rng) {
  using Change = bool (*)(std::string&, std::mt19937_64&);
  static constexpr Change kChanges[] = {DropPrefix, OldVillage, DropNumber};
  constexpr size_t kCount = std::size(kChanges);
  std::string stale = address;
  // Tries the changes starting from a random one until one applies, then maybe one more.
  const size_t start = Below(rng, kCount);
  size_t applied = kCount;
  for (size_t i = 0; i < kCount; ++i) {
    if (kChanges[(start + i) % kCount](stale, rng)) {
      applied = (start + i) % kCount;
      break;
    }
  }
  if (applied != kCount && Chance(rng, 0.3)) {
    kChanges[(applied + 1 + Below(rng, kCount - 1)) % kCount](stale, rng);
  }
  return stale;
}

}  // namespace lifeline::datagen
