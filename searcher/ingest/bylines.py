"""An article's date and author as its byline gives them, and whether a name is one.

A byline is found by its shape in the lines at the top of an article, never by a word
anywhere: ``記者`` followed by whatever comes next is as often ``記者會`` or ``向記者表示`` as a
name. The shapes:

- a date after a label (``發布時間：2020-11-19``, ``更新於…``, ``Published …``), else a date
  with its time of day (``2024年8月26日 08:30``), an update's label or a short line that holds
  a date and little else (``2013/06/29``, ``記者王大明／台北報導　2020年11月19日``);
- a reporter (``記者XXX／台北報導``, ``記者XXX報道``, ``〔記者XXX／台北報導〕``, ``【XXX／綜合報導】``,
  ``（記者XXX）``, ``（香港文匯報記者 XXX YYY）``, ``記者：XXX``, a line ``澎湃新聞記者 XXX`` with
  nothing but a date before or after it);
- a label (``文／XXX``, ``作者：XXX``, ``撰文：XXX``, ``By XXX``).

A byline may be run into the end of the headline's line (a PDF's lines joined:
``標題2020/08/09 17:30　記者：陳子謙``): ``byline_start`` finds where it starts, when the
tail is a dated or labelled byline in one of these shapes.

A reporter's name must look like a Chinese name (``strict``): two to four Han characters
starting with a common surname, not ending like an organisation, a place or a photo credit
(``路透社``, ``政治中心``, ``高雄市``, ``麥鈞傑攝``), and no common word of the language
(jieba's dictionary: a word it does not tag as a person's name, used ``COMMON`` times or
more), nor two (one used ``COMMON_START`` times, then another or a function character:
``高度關注``, ``方面的``); or a Latin name. A labelled name may be a pen name (``lax``): up to
``MAX_NAME`` characters, no digits, no sentence. A name that is a date, a link, an e-mail
address or a placeholder account (``Administrator``, ``Windows 使用者``) is no author; no
author is better than a wrong one.

    >>> byline_date("停火協議生效\\n記者王大明／台北報導\\n2020/11/19")
    '2020-11-19'
    >>> byline_author("〔記者林小華、王大明／台北報導〕立法院今天…"), byline_author("向記者跟蹤報導")
    ('林小華、王大明', None)
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from searcher.dates import normalize_date

TOP_LINES = 15  # a document's byline is in its first lines…
TOP_CHARS = 1000  # …and characters
COMMON = 100
COMMON_START = 1000
MAX_NAME = 20
# A byline's short line: at most this many characters besides its date.
SHORT_LINE = 30

_DATE = (r"(?<!\d)\d{4}\s*(?:[-/.]|年)\s*\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2}(?!\d)(?:\s*日)?")
_TIME = r"\d{1,2}:\d{2}"
_PUBLISHED_RE = re.compile(
    rf"(?:發布|发布|發佈|发佈|發表|发表|出版|刊登|刊出|發稿|发稿|上稿|Published|Posted)"
    rf"\s*(?:時間|时间|日期|於|于|on)?\s*[:：]?\s*({_DATE})", re.IGNORECASE)
_OTHER_DATE_RE = re.compile(
    rf"(?:更新|日期|時間|时间|Updated|Date)\s*(?:時間|时间|日期|於|于|on)?\s*[:：]?\s*({_DATE})"
    rf"|({_DATE})\s*(?:[(（][^)）]{{1,4}}[)）])?\s*{_TIME}", re.IGNORECASE)
_ANY_DATE_RE = re.compile(_DATE)

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NAMES = rf"([{_HAN}][{_HAN}·・、]{{0,40}}?)"
_SPACED_NAMES = rf"([{_HAN}][{_HAN}·・、 　]{{0,40}}?)"  # in brackets, names apart by spaces
_LATIN_NAMES = r"([A-Z][A-Za-z'’.\-]*(?:\s+[A-Z][A-Za-z'’.\-]*){0,4})"
_REPORTER = r"(?:記者|记者|特派員|特派员)"
_OUTLET = rf"[{_HAN}A-Za-z]{{0,8}}?"  # before 記者: 澎湃新聞記者, 香港文匯報記者
_AFTER_NAME = r"(?=$|[\s|｜，,。(（／/])"
_REPORTER_RES = [re.compile(pattern) for pattern in (
    rf"{_REPORTER}\s*{_NAMES}\s*(?:[／/]\s*\S{{0,12}}?)?(?:報導|報道|报道|電|电)",
    rf"[【〔\[［]\s*{_REPORTER}?\s*{_NAMES}\s*[／/][^】〕\]］]{{0,12}}[】〕\]］]",
    rf"[（(]\s*{_OUTLET}{_REPORTER}\s*{_SPACED_NAMES}\s*[）)]",
    rf"^\s*(?:{_DATE}\s*(?:{_TIME}\s*)?)?{_OUTLET}{_REPORTER}\s*{_NAMES}\s*(?=$|[\s／/]|{_DATE})",
    rf"(?:^|(?<=[\s|｜])){_REPORTER}\s*[:：]\s*{_NAMES}{_AFTER_NAME}",
)]
_LABEL_RE = re.compile(
    rf"(?:^|(?<=[\s|｜]))(?:文|撰文|作者|Author|By)\s*[／/:：]\s*(?:{_NAMES}|{_LATIN_NAMES})"
    rf"{_AFTER_NAME}|^\s*By\s+{_LATIN_NAMES}\s*$")
# A byline that ends a line after the headline it was run into (a PDF's wrapped lines
# joined): a date with its time or after its label, perhaps then a reporter or a source;
# or a reporter or an author after a label.
_BYLINE_PART = (rf"{_OUTLET}{_REPORTER}\s*[:：]?\s*[{_HAN}·・、 　]{{2,12}}"
                rf"|(?:文|撰文|作者|來源|来源|出處|出处)\s*[:：／/]\s*\S.{{0,20}}")
_BYLINE_END_RE = re.compile(
    rf"(?:(?:{_PUBLISHED_RE.pattern})(?:\s*{_TIME})?|{_DATE}\s*(?:[(（][^)）]{{1,4}}[)）])?\s*{_TIME})"
    rf"(?:[\s|｜/／]+(?:{_BYLINE_PART}))?\s*$"
    rf"|(?:{_OUTLET}{_REPORTER}\s*[:：]\s*[{_HAN}·・、 　]{{2,12}}"
    rf"|(?:文|撰文|作者)\s*[:：／/]\s*\S.{{0,20}})\s*$", re.IGNORECASE)
MAX_BYLINE = 50  # characters of a byline run into a headline
_LATIN_NAME_RE = re.compile(r"[A-Z][A-Za-z'’.\-]*(?:\s+[A-Za-z][A-Za-z'’.\-]*){0,4}")
_CJK_NAME_RE = re.compile(rf"[{_HAN}][{_HAN}·・]{{1,3}}")
_NAME_SEPARATORS = re.compile(rf"\s*[、,，;；&＆]\s*|\s+(?:and|與|与|和|及)\s+"
                              rf"|(?<=[{_HAN}])\s+(?=[{_HAN}])")
# How an organisation's or a place's name ends, or a photographer's credit (in Simplified:
# names are compared so).
_NOT_PERSON_RE = re.compile(r"(?:社|报|台|网|中心|新闻|电视|频道|市|县|省|区|镇|乡|摄|摄影)$")
_FUNCTION_CHARACTERS = set("的了在是和与也就都而及等说向对从被把将")
_NOT_A_NAME_RE = re.compile(r"\d|https?:|www\.|@|[。！？!?；;：:／/]")
PLACEHOLDERS = {"admin", "administrator", "user", "owner", "guest", "unknown", "anonymous",
                "windows user", "microsoft office user", "microsoft office 使用者",
                "windows 使用者", "使用者", "用户", "用戶", "微软用户", "微軟用戶", "匿名",
                "佚名", "作者", "記者", "记者", "編輯", "编辑", "小編", "小编", "本報", "本报"}
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱丘江尹薛闫阎段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳"
    "翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游"
    "辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费"
    "卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池"
    "查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海"
    "阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏"
    "鹿薄邸雍辜羊乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭"
    "干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由洪赖习鐘凃粘招")
_COMPOUND_SURNAMES = ("欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 端木 "
                      "轩辕 南宫 西门 独孤 呼延 申屠 钟离 闻人 张简 范姜").split()


def document_fields(body: str, properties: dict) -> dict:
    """A document's (PDF, Word, ODT) ``properties`` with the date and author of the byline at
    the top of its ``body`` in place of the file's own, which are often the day the file was
    saved and the account that saved it; a property author that is no name is dropped."""
    top = "\n".join(body[:TOP_CHARS].splitlines()[:TOP_LINES])
    author = properties.get("author")
    return {**properties, "date": byline_date(top) or properties.get("date"),
            "author": byline_author(top) or (author and author_name(str(author), strict=False))}


def byline_date(top: str) -> str | None:
    """The date (``YYYY-MM-DD``) of the byline in ``top``, an article's first lines: a
    publication date after its label, else the first date of another byline shape."""
    lines = top.splitlines()
    for line in lines:
        for match in _PUBLISHED_RE.finditer(line):
            if date := normalize_date(match.group(1)):
                return date
    for line in lines:
        for match in _OTHER_DATE_RE.finditer(line):
            if date := normalize_date(match.group(1) or match.group(2)):
                return date
        dates = _ANY_DATE_RE.findall(line)
        if len(dates) == 1 and len(line.strip()) - len(dates[0]) <= SHORT_LINE \
                and not line.rstrip().endswith(("。", "！", "？")):
            if date := normalize_date(dates[0]):
                return date
    return None


def byline_start(line: str) -> int | None:
    """Where a byline run into the end of ``line`` (a headline) starts, if one is:
    ``…或要檢疫2020/08/09 17:30　記者：陳子謙`` → the offset of ``2020``."""
    for start in range(max(0, len(line) - MAX_BYLINE), len(line)):
        if line[:start].strip() and _BYLINE_END_RE.match(line, start) \
                and (byline_date(line[start:]) or byline_author(line[start:])):
            return start
    return None


def find_date(text: str) -> str | None:
    """The first date written in ``text``, as ``YYYY-MM-DD``."""
    return next((date for match in _ANY_DATE_RE.finditer(text)
                 if (date := normalize_date(match.group()))), None)


def byline_author(top: str) -> str | None:
    """The author the byline in ``top`` (an article's first lines) names, if it has one in
    a byline's shape and it is a name."""
    for line in top.splitlines():
        for pattern in _REPORTER_RES:
            for match in pattern.finditer(line):
                if name := author_name(match.group(1), strict=True):
                    return name
        for match in _LABEL_RE.finditer(line):
            if name := author_name(next(g for g in match.groups() if g), strict=False):
                return name
    return None


def author_name(value: str, strict: bool, not_authors: set[str] = frozenset()) -> str | None:
    """``value`` as an author, the names it lists joined by ``、``, or None when any is no
    name (``strict``: a reporter's, which must look like a Chinese or Latin name; else a pen
    name will do). ``not_authors``: names that are not an author's (the site's)."""
    value = " ".join(value.split()).strip(" 　.,，、|｜/／-–—")
    if not value or value.lower() in PLACEHOLDERS or value in not_authors:
        return None
    names = [name for name in _NAME_SEPARATORS.split(value) if name]
    if not names or not all(_is_name(name, strict) for name in names):
        return None
    return "、".join(names)


def _is_name(name: str, strict: bool) -> bool:
    if name.lower() in PLACEHOLDERS or _NOT_A_NAME_RE.search(name):
        return False
    if _LATIN_NAME_RE.fullmatch(name):
        return True
    if not strict:
        return len(name) <= MAX_NAME
    if not _CJK_NAME_RE.fullmatch(name):
        return False
    simplified = _simplified(name)
    if not (simplified[0] in _surnames() or simplified[:2] in _COMPOUND_SURNAMES):
        return False
    if _NOT_PERSON_RE.search(simplified):
        return False
    words = _common_words()
    head, rest = simplified[:2], simplified[2:]
    # A common word, or two of them (高度关注, 方面的); a given name may be a common word's
    # characters (黄金明), so a name's one-character rest is judged by what it is.
    return not (words.get(simplified, 0) >= COMMON
                or len(name) > 2 and words.get(head, 0) >= COMMON_START
                and (rest in _FUNCTION_CHARACTERS or words.get(rest, 0) >= COMMON
                     and len(rest) > 1))


@functools.lru_cache(maxsize=1)
def _surnames() -> frozenset[str]:
    """The surnames in both scripts."""
    import opencc

    return frozenset(_SURNAMES).union(*(opencc.OpenCC(config).convert(_SURNAMES)
                                        for config in ("s2t", "s2tw", "s2hk")))


@functools.lru_cache(maxsize=4096)
def _simplified(text: str) -> str:
    return _converter().convert(text)


@functools.lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def _common_words() -> dict[str, int]:
    """The words of jieba's dictionary used ``COMMON`` times or more that it does not tag as
    a person's name (``nr…``), and how often."""
    import jieba

    words = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as dictionary:
        for line in dictionary:
            word, frequency, tag = (line.split() + [""])[:3]
            if int(frequency) >= COMMON and not tag.startswith("nr"):
                words[word] = int(frequency)
    return words
