#include "tools/datagen/chars.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lifeline::datagen {
namespace {

// Characters with the same pinyin, tones ignored: what a clerk typing with a pinyin input method
// picks by mistake. One group per reading; a character is in at most one group, and characters
// with several common readings (曾, 单, 查, 乐 ...) are left out.
constexpr std::string_view kHomophoneGroups[] = {
    "伟玮炜威薇维卫巍魏蔚",            // wei
    "华桦骅花",                        // hua
    "明铭鸣茗名",                      // ming
    "军君俊峻骏钧郡",                  // jun
    "丽莉俐利力立黎李礼励",            // li
    "玲龄凌灵伶翎羚",                  // ling
    "林琳霖麟临",                      // lin
    "芳方房舫昉",                      // fang
    "红宏洪鸿虹弘泓",                  // hong
    "燕艳岩彦妍言颜严雁延晏",          // yan
    "静晶京菁敬靖婧景精",              // jing
    "英莹颖影瑛樱鹰迎盈",              // ying
    "秀修琇岫",                        // xiu
    "兰岚蓝澜",                        // lan
    "梅美玫眉楣媚",                    // mei
    "霞夏侠遐",                        // xia
    "娟鹃涓绢",                        // juan
    "强蔷羌",                          // qiang
    "刚钢岗纲港罡",                    // gang
    "勇永涌泳咏雍",                    // yong
    "杰洁捷婕节介",                    // jie
    "涛韬桃陶滔",                      // tao
    "斌彬滨宾缤",                      // bin
    "辉慧惠晖徽卉蕙汇",                // hui
    "平萍苹坪评",                      // ping
    "建健剑坚俭鉴简",                  // jian
    "志智芝之治致枝知",                // zhi
    "青清庆晴卿情擎",                  // qing
    "春纯淳醇椿",                      // chun
    "新欣心鑫昕馨辛信",                // xin
    "祥翔香湘向详",                    // xiang
    "成诚城承程澄呈",                  // cheng
    "浩豪昊皓灏",                      // hao
    "玉宇雨钰毓煜瑜于余俞渝羽禹裕昱",  // yu
    "雪学薛",                          // xue
    "飞菲非斐霏妃",                    // fei
    "鹏朋彭蓬澎",                      // peng
    "龙隆珑",                          // long
    "天田甜添恬",                      // tian
    "凯恺楷开铠",                      // kai
    "磊蕾雷",                          // lei
    "娜纳",                            // na
    "琴勤芹秦钦沁",                    // qin
    "超潮巢",                          // chao
    "波博勃伯渤",                      // bo
    "东冬栋董",                        // dong
    "生胜升圣笙声",                    // sheng
    "山珊善姗",                        // shan
    "文雯温闻",                        // wen
    "荣蓉容融榕溶戎",                  // rong
    "宁凝柠",                          // ning
    "云芸韵运允昀",                    // yun
    "小晓笑萧肖孝霄",                  // xiao
    "丹旦",                            // dan
    "珍真振镇震贞祯",                  // zhen
    "桂贵归",                          // gui
    "芬纷奋粉",                        // fen
    "琼穹",                            // qiong
    "佳家嘉加甲",                      // jia
    "金锦进晋瑾劲津今",                // jin
    "淑舒书姝树叔曙",                  // shu
    "忠中钟仲众",                      // zhong
    "国果郭帼",                        // guo
    "安岸",                            // an
    "艺怡宜谊毅义仪益逸懿依伊翼亦",    // yi
    "轩萱宣璇玄",                      // xuan
    "子梓紫姿资",                      // zi
    "涵寒晗韩翰瀚汉含",                // han
    "旭徐许序絮",                      // xu
    "杨阳洋扬羊",                      // yang
    "张章彰樟璋",                      // zhang
    "王汪旺望",                        // wang
    "刘柳留流",                        // liu
    "陈晨辰臣琛",                      // chen
    "赵照昭兆钊",                      // zhao
    "周舟州洲宙",                      // zhou
    "吴武伍午吾悟舞",                  // wu
    "黄皇煌凰",                        // huang
    "马玛",                            // ma
    "朱珠竹诸祝柱",                    // zhu
    "胡湖虎护瑚",                      // hu
    "何河荷贺鹤",                      // he
    "罗洛骆",                          // luo
    "郑正征政铮峥",                    // zheng
    "梁良亮凉",                        // liang
    "宋松嵩颂",                        // song
    "谢协",                            // xie
    "唐棠堂汤",                        // tang
    "冯峰锋凤丰枫风",                  // feng
    "邓登灯",                          // deng
    "曹草",                            // cao
    "袁元源媛园远苑圆原",              // yuan
    "潘盼攀",                          // pan
    "蔡才财彩",                        // cai
    "江蒋姜疆",                        // jiang
    "杜度渡",                          // du
    "叶业烨晔野",                      // ye
    "苏素肃",                          // su
    "卢陆路露鲁璐鹿禄",                // lu
    "丁定鼎",                          // ding
    "任仁人",                          // ren
    "姚瑶耀遥尧",                      // yao
    "沈申深神慎绅",                    // shen
    "崔翠萃",                          // cui
    "石史诗时世士师仕施",              // shi
    "付傅富福甫芙符",                  // fu
    "吕旅",                            // lv
    "廖辽",                            // liao
    "范凡帆繁樊梵",                    // fan
    "熊雄",                            // xiong
    "侯厚后",                          // hou
    "邵绍韶",                          // shao
    "孟梦萌",                          // meng
    "邱秋丘球",                        // qiu
    "童彤同桐",                        // tong
    "白百",                            // bai
    "尹银音",                          // yin
    "常昌畅",                          // chang
    "钱倩千谦",                        // qian
    "艾爱",                            // ai
    "庄壮",                            // zhuang
    "来莱赖",                          // lai
    "戴代黛岱",                        // dai
    "顾谷古固",                        // gu
    "毛茂",                            // mao
    "詹展湛",                          // zhan
    "瑞锐睿芮蕊",                      // rui
    "莲连廉联",                        // lian
    "双爽霜",                          // shuang
    "琪奇齐祺琦启淇",                  // qi
    "希熙曦喜溪西",                    // xi
    "月悦越岳跃",                      // yue
    "可科克柯",                        // ke
    "德得",                            // de
    "敏民闵珉旻",                      // min
    "全泉权荃铨",                      // quan
    "光广",                            // guang
    "宝保葆",                          // bao
    "贤仙娴先显",                      // xian
    "如茹儒汝",                        // ru
    "泰太",                            // tai
    "楠南男",                          // nan
    "婷亭庭廷霆",                      // ting
    "婉宛琬",                          // wan
    "兴星杏幸邢",                      // xing
    "聪丛琮",                          // cong
    "坤昆琨",                          // kun
};

// Characters that look alike, so that one is misread or mistyped (handwriting, OCR) as another.
// Every member of a group may become any other member. Shape only: sound plays no part.
constexpr std::string_view kLookalikeGroups[] = {
    "王玉主", "己已巳", "未末朱", "土士", "晴睛", "日曰", "戊戌戍", "人入",     "大太犬", "天夭",
    "千干于", "刀力",   "兔免",   "鸟乌", "析折", "拔拨", "贝见",   "田由甲申", "问间",   "汩汨",
    "侯候",   "茶荼",   "崇祟",   "冶治", "徽微", "壁璧", "辩辨辫", "杨扬",     "明朋",   "梁粱",
    "沈沉",   "余佘",   "杜社",   "孟盂", "史吏", "谭潭", "廖寥",   "熊能",     "方万",   "宇字",
    "秀秃",   "平乎",   "英荚",   "毫亳", "伶冷", "凤风", "季李",   "孝考",     "陈阵",   "郑邓",
    "宋宗",   "张涨",   "袁哀",   "傅博", "姜美", "秦奏", "康庚",   "颖颍",     "魏巍",   "萧箫",
    "夏复",   "汪注",   "白自",   "雷雪", "常赏", "武式", "黎梨",   "洋祥",     "勇涌",   "刚冈",
    "辉挥",   "健键",   "娟捐",   "玲铃", "琳淋", "婷停", "梅海",   "静靖",     "华毕",   "贺货",
    "贵责",   "延廷",   "霞暇瑕", "玫枚", "琪棋", "瑞端", "莹萤",   "桂挂",     "鸣呜",   "兵乒乓",
    "永水",   "壮状",   "全金",   "龙尤", "徐涂", "吴昊", "潘播",   "范苑",     "钟种",   "任住",
    "姚桃",   "戴载",   "汤场",   "阎闫", "丁了", "卢户", "蔡察",   "石右",     "毛手",   "洁结",
    "波坡",
};

// Simplified -> traditional forms of characters common in names (first the simplified, then the
// traditional character). Each traditional form converts back to its simplified one with OpenCC's
// t2s; characters whose traditional form depends on the word (发/髮, 干/幹, 台/臺) keep the form
// names use, and characters written the same in both scripts are absent.
constexpr std::string_view kTraditionalPairs[] = {
    "刘劉", "华華", "国國", "伟偉", "丽麗", "兰蘭", "军軍", "张張", "陈陳", "杨楊", "赵趙", "黄黃",
    "吴吳", "孙孫", "马馬", "郑鄭", "谢謝", "韩韓", "冯馮", "邓鄧", "许許", "苏蘇", "卢盧", "蒋蔣",
    "贾賈", "叶葉", "阎閻", "钟鍾", "陆陸", "罗羅", "萧蕭", "吕呂", "邹鄒", "韦韋", "顾顧", "龚龔",
    "贺賀", "赖賴", "龙龍", "汤湯", "钱錢", "万萬", "乔喬", "纪紀", "欧歐", "严嚴", "卫衛", "闫閆",
    "邝鄺", "齐齊", "庞龐", "谭譚", "骆駱", "项項", "凤鳳", "蓝藍", "鲁魯", "关關", "红紅", "艳豔",
    "东東", "强強", "云雲", "辉輝", "荣榮", "宝寶", "贵貴", "庆慶", "兴興", "飞飛", "鹏鵬", "涛濤",
    "杰傑", "静靜", "颖穎", "莹瑩", "琼瓊", "洁潔", "贤賢", "刚剛", "锋鋒", "银銀", "锦錦", "铭銘",
    "鸣鳴", "凯凱", "晓曉", "岚嵐", "苹蘋", "莲蓮", "鹤鶴", "宁寧", "庄莊", "连連", "进進", "顺順",
    "义義", "礼禮", "宽寬", "亚亞", "爱愛", "欢歡", "乐樂", "书書", "学學", "习習", "达達", "运運",
    "远遠", "园園", "圆圓", "韵韻", "纯純", "维維", "继繼", "绍紹", "经經", "纲綱", "绪緒", "绮綺",
    "绣繡", "丝絲", "彦彥", "颜顏", "发發", "财財", "贞貞", "赞贊", "诚誠", "谦謙", "语語", "诗詩",
    "谊誼", "让讓", "训訓", "识識", "记記", "双雙", "桦樺", "骅驊", "骏駿", "驰馳", "丰豐", "岗崗",
    "钢鋼", "钊釗", "钰鈺", "铮錚", "镇鎮", "阳陽", "长長", "闻聞", "闵閔", "时時", "晖暉", "晔曄",
    "烨燁", "炜煒", "玮瑋", "鸿鴻", "鹃鵑", "鹰鷹", "莺鶯", "泽澤", "涟漣", "汉漢", "润潤", "滨濱",
    "渊淵", "满滿", "潇瀟", "济濟", "灵靈", "岭嶺", "芦蘆", "节節", "艺藝", "蔼藹", "树樹", "桥橋",
    "梦夢", "楼樓", "枫楓", "栋棟", "标標", "权權", "应應", "广廣", "声聲", "坚堅", "圣聖", "环環",
    "实實", "宪憲", "寿壽", "帅帥", "师師", "归歸", "伦倫", "优優", "仪儀", "侠俠", "俭儉", "传傳",
    "亿億", "众眾", "会會", "丛叢", "剑劍", "劲勁", "励勵", "劳勞", "勋勳", "协協", "历歷", "启啟",
    "咏詠", "壮壯", "奋奮", "娄婁", "宾賓", "尔爾", "尧堯", "岛島", "峡峽", "巩鞏", "开開", "弥彌",
    "怀懷", "恺愷", "愿願", "斋齋", "晋晉", "毕畢", "汇匯", "沪滬", "湾灣", "灿燦", "烁爍", "焕煥",
    "玛瑪", "畅暢", "砚硯", "祯禎", "禄祿", "稳穩", "窦竇", "简簡", "纳納", "绚絢", "绵綿", "缘緣",
    "联聯", "聪聰", "胜勝", "苍蒼", "蕴蘊", "萝蘿", "觉覺", "誉譽", "谐諧", "谨謹", "贡貢", "跃躍",
    "轩軒", "辽遼", "逊遜", "钦欽", "钧鈞", "铁鐵", "铃鈴", "锐銳", "锡錫", "颂頌", "鲍鮑", "龄齡",
    "温溫",
};

// The CJK Unified Ideographs block, where every character of the tables lies.
constexpr char32_t kCjkFirst = 0x4E00;
constexpr char32_t kCjkLast = 0x9FFF;

// Decodes one UTF-8 character; returns 0 when `ch` is not exactly one well-formed character.
char32_t DecodeOne(std::string_view ch) {
  if (ch.empty()) return 0;
  const auto b0 = static_cast<unsigned char>(ch[0]);
  size_t length = 0;
  char32_t value = 0;
  if (b0 < 0x80) {
    length = 1;
    value = b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    length = 2;
    value = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3;
    value = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4;
    value = b0 & 0x07;
  } else {
    return 0;
  }
  if (ch.size() != length) return 0;
  for (size_t i = 1; i < length; ++i) {
    const auto b = static_cast<unsigned char>(ch[i]);
    if ((b & 0xC0) != 0x80) return 0;
    value = (value << 6) | (b & 0x3F);
  }
  return value;
}

// Length of the UTF-8 sequence starting at `text[i]`: the lead byte's length when the
// continuation bytes are there, otherwise 1 (a stray byte is a character of its own).
size_t SequenceLength(std::string_view text, size_t i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  size_t length = 1;
  if ((b0 & 0xE0) == 0xC0) {
    length = 2;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4;
  }
  if (i + length > text.size()) return 1;
  for (size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 1;
  }
  return length;
}

size_t PickIndex(std::mt19937_64& rng, size_t n) { return static_cast<size_t>(rng() % n); }

// Everything known about one character. Immutable after Tables() builds it.
struct Entry {
  std::vector<std::string> homophones;  // other members of its homophone group
  std::vector<std::string> lookalikes;  // other members of its look-alike groups
  std::string traditional;              // its traditional form, for a simplified character
  std::string simplified;               // its simplified form, for a traditional character
};

struct CharTables {
  std::vector<std::vector<std::string>> homophone_groups;
  std::vector<std::vector<std::string>> lookalike_groups;
  std::vector<std::pair<std::string, std::string>> traditional_pairs;
  std::vector<Entry> entries;
  // Code point - kCjkFirst -> 1 + index into `entries`; 0 when the character has no entry.
  std::vector<uint16_t> index;

  Entry& EntryFor(const std::string& ch) {
    const char32_t c = DecodeOne(ch);
    // A table holding something else than one CJK character is a bug in this file.
    if (c < kCjkFirst || c > kCjkLast) std::abort();
    uint16_t& slot = index[c - kCjkFirst];
    if (slot == 0) {
      entries.emplace_back();
      slot = static_cast<uint16_t>(entries.size());
    }
    return entries[slot - 1];
  }

  const Entry* Find(std::string_view ch) const {
    const char32_t c = DecodeOne(ch);
    if (c < kCjkFirst || c > kCjkLast) return nullptr;
    const uint16_t slot = index[c - kCjkFirst];
    return slot == 0 ? nullptr : &entries[slot - 1];
  }
};

std::vector<std::string> SplitGroup(std::string_view group) { return Utf8Chars(group); }

void AddOthers(const std::vector<std::string>& group, const std::string& self,
               std::vector<std::string>* out) {
  for (const std::string& other : group) {
    if (other == self) continue;
    bool present = false;
    for (const std::string& known : *out) present = present || known == other;
    if (!present) out->push_back(other);
  }
}

CharTables BuildTables() {
  CharTables t;
  t.index.assign(kCjkLast - kCjkFirst + 1, 0);
  for (std::string_view text : kHomophoneGroups) {
    t.homophone_groups.push_back(SplitGroup(text));
    for (const std::string& ch : t.homophone_groups.back()) {
      AddOthers(t.homophone_groups.back(), ch, &t.EntryFor(ch).homophones);
    }
  }
  for (std::string_view text : kLookalikeGroups) {
    t.lookalike_groups.push_back(SplitGroup(text));
    for (const std::string& ch : t.lookalike_groups.back()) {
      AddOthers(t.lookalike_groups.back(), ch, &t.EntryFor(ch).lookalikes);
    }
  }
  for (std::string_view text : kTraditionalPairs) {
    const std::vector<std::string> pair = SplitGroup(text);
    if (pair.size() != 2) std::abort();
    t.traditional_pairs.emplace_back(pair[0], pair[1]);
    t.EntryFor(pair[0]).traditional = pair[1];
    t.EntryFor(pair[1]).simplified = pair[0];
  }
  return t;
}

const CharTables& Tables() {
  static const CharTables* const tables = new CharTables(BuildTables());
  return *tables;
}

}  // namespace

std::string HomophoneOf(std::string_view ch, std::mt19937_64& rng) {
  const Entry* entry = Tables().Find(ch);
  if (entry == nullptr || entry->homophones.empty()) return "";
  return entry->homophones[PickIndex(rng, entry->homophones.size())];
}

std::string LookalikeOf(std::string_view ch, std::mt19937_64& rng) {
  const Entry* entry = Tables().Find(ch);
  if (entry == nullptr || entry->lookalikes.empty()) return "";
  return entry->lookalikes[PickIndex(rng, entry->lookalikes.size())];
}

std::string TraditionalOf(std::string_view ch) {
  const Entry* entry = Tables().Find(ch);
  return entry == nullptr ? "" : entry->traditional;
}

std::string SimplifiedOf(std::string_view ch) {
  const Entry* entry = Tables().Find(ch);
  return entry == nullptr ? "" : entry->simplified;
}

bool HasHomophone(std::string_view ch) {
  const Entry* entry = Tables().Find(ch);
  return entry != nullptr && !entry->homophones.empty();
}

bool HasLookalike(std::string_view ch) {
  const Entry* entry = Tables().Find(ch);
  return entry != nullptr && !entry->lookalikes.empty();
}

bool HasTraditional(std::string_view ch) {
  const Entry* entry = Tables().Find(ch);
  return entry != nullptr && !entry->traditional.empty();
}

const std::vector<std::vector<std::string>>& HomophoneGroups() { return Tables().homophone_groups; }

const std::vector<std::vector<std::string>>& LookalikeGroups() { return Tables().lookalike_groups; }

const std::vector<std::pair<std::string, std::string>>& TraditionalPairs() {
  return Tables().traditional_pairs;
}

std::vector<std::string> Utf8Chars(std::string_view text) {
  std::vector<std::string> chars;
  chars.reserve(text.size() / 3 + 1);
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = SequenceLength(text, i);
    chars.emplace_back(text.substr(i, length));
    i += length;
  }
  return chars;
}

}  // namespace lifeline::datagen
