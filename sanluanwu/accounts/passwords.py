"""The password profile (等保 2.0 level 2, GB/T 22239 8.1.4.1): at least 10 characters (settings), 3 of the 4 classes
(upper case, lower case, digits, symbols), not containing the user name, not one of the last five, not common: Django's
list of common passwords, and the shapes such passwords take (a common word, a keyboard walk, a year, a symbol and a
run of digits: Admin@123456, P@ssw0rd1234, 1qaz@WSX3edc). Every message is Chinese and says the rule."""

from __future__ import annotations

import functools
import gzip
import math
import re
import unicodedata
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

HISTORY = 5


class MinimumLengthValidator:
    """Django's, said in Chinese (its zh-hans catalogue lacks this message)."""

    def __init__(self, min_length: int = 10):
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码至少包含 {self.min_length} 个字符（现有 {len(password)} 个）", code="password_too_short"
            )

    def get_help_text(self) -> str:
        return f"至少 {self.min_length} 个字符"


# A space is a character a password may hold, but no class of its own ("Ab1" and nine spaces has three classes only in
# name); a control character is no character anyone types.
_SYMBOL = r"[^A-Za-z0-9\s]"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if _CONTROL.search(password):
            raise ValidationError("密码不能包含制表符、换行等控制字符", code="password_control")
        classes = sum(bool(re.search(p, password)) for p in (r"[A-Z]", r"[a-z]", r"[0-9]", _SYMBOL))
        if classes < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类（现有 {classes} 类）",
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return f"包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类"


class NotContainingUsernameValidator:
    def validate(self, password: str, user: Any = None) -> None:
        name = _folded(getattr(user, "username", "") or "")
        if len(name) >= 3 and name in _folded(password):  # Ｔｅｓｔｅｒ１ is tester1
            raise ValidationError("密码不能包含用户名", code="password_contains_username")

    def get_help_text(self) -> str:
        return "不能包含用户名"


class HistoryValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        recent = list(user.password_history.order_by("-created_at", "-id").values_list("password", flat=True)[:HISTORY])
        if user.password and user.password not in recent:
            recent.insert(0, user.password)
        if any(check_password(password, hashed) for hashed in recent[:HISTORY]):
            raise ValidationError(f"新密码不能与最近 {HISTORY} 次使用过的密码相同", code="password_reused")

    def get_help_text(self) -> str:
        return f"不能与最近 {HISTORY} 次使用过的密码相同"


def _folded(text: str) -> str:
    """Full-width and other compatibility forms as the plain letters and digits they read as, lower case."""
    return unicodedata.normalize("NFKC", text).lower()


# Words such passwords are made of beyond Django's list, each among a guesser's first hundred: the system's own, the
# place's and its offices' initials, an account's usual names, and Chinese phrases written in pinyin.
SITE_WORDS = frozenset({
    "wujin", "changzhou", "jiangsu", "sanluanwu", "slw", "admin", "administrator", "root", "user", "guest", "test",
    "system", "sys", "manager", "security", "audit", "auditor", "office", "passw", "passwd", "pass", "pwd", "password",
    "welcome", "hello", "china", "beijing", "shanghai", "wj", "cz", "js", "gov", "zf", "qq", "abc", "iloveyou", "wjhb",
    "czwj", "wjq", "czhb", "hbj", "sthj", "hbju", "woaini", "aini", "wodemima", "mima", "zhongguo", "nihao", "laopo",
    "laogong", "baobei", "aiqing", "xingfu", "kuaile", "woaiwojia", "woaizhongguo", "qwe", "asd", "zxc",
    # the office's own words, and slogans a clerk sees every day (helper-50)
    "huanbao", "huanbaoju", "huanjing", "shengtai", "zhengfu", "zhengfuban", "wujinqu", "changzhoushi", "bangongshi",
    "zhengzhi", "gongchandang", "dang", "weirenminfuwu", "buwangchuxin", "zhonghuaminzu", "dongfanghong",
    "lvshuiqingshan", "qingshanlvshui", "jinshanyinshan", "xijinping", "zhongguomeng", "renmin", "hexie", "fuqiang",
    "minzhu", "wenming", "aiguo", "jingye", "chengxin", "youshan",
    # Wujin's towns, streets and zones (with zhen / jiedao / qu after them: _PLACE_SUFFIXES)
    "dingyan", "gaoxin", "henglin", "hengshanqiao", "huangli", "hutang", "jiaze", "jingkai", "lijia", "lucheng",
    "luoyang", "nanxiashu", "niutang", "qianhuang", "qishuyan", "xihu", "xueyan", "yaoguan",
})  # fmt: skip
_PLACE_SUFFIXES = ("zhen", "jiedao", "qu", "cun", "shequ")
# Numbers that are words in Chinese (我爱你 520, 一生一世 1314, 发 8, 顺 6) or service numbers.
COMMON_NUMBERS = frozenset({"520", "521", "1314", "5201314", "1314520", "168", "518", "888", "666", "8888", "6666",
                            "110", "119", "120", "911", "007", "12345", "123456", "654321", "000"})  # fmt: skip
# Keyboard rows, columns and the keypad's, the usual interleavings, the alphabet and the digits (a walk is three or
# more neighbours, either way).
_WALKS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
          "zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0", "qazwsxedcrfvtgbyhnujmikolp", "abcdefghijklmnopqrstuvwxyz",
          "01234567890", "1q2w3e4r5t6y7u8i9o0p", "q1w2e3r4t5y6u7i8o9p0", "a1s2d3f4g5h6", "zaq12wsx", "789456123",
          "147258369", "741852963", "159357", "357159", "123654789", "987456321")  # fmt: skip
_WALK_TEXT = "|".join(w + "|" + w[::-1] for w in _WALKS)
# A symbol typed with shift over a digit is that digit to a keyboard walk (1qaz@WSX: 1qaz2wsx).
_SHIFTED = str.maketrans('!@#$%^&*()_+{}|:"<>?~', "1234567890-=[]\\;',./`")
_LEET = str.maketrans("@4083157$!|", "aaobeistsil")
_LONGEST_WORD = 20
# The syllables of Hanyu pinyin: a name (zhangsan, wangwei) or a phrase is a few of them, each among ~400.
_PINYIN_TEXT = """
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang cao ce cen ceng
cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo ci cong cou
cu cuan cui cun cuo da dai dan dang dao de dei den deng di dia dian diao die ding diu dong dou du duan dui dun
duo e ei en eng er fa fan fang fei fen feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai
guan guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia
jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai
kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu
lv luan lve lun luo ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang
nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nv nuan nve nuo o ou pa pai pan pang pao
pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun
ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan
shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun
suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng
wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you
yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou
zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
"""
PINYIN = frozenset(_PINYIN_TEXT.split())
# log10 of the guesses each kind of piece takes (a guesser's rules try the likely first).
_LOG_WORD = 4.0  # a common password or word
_LOG_SITE_WORD = 2.0  # a word of the site, a place, a slogan, a pinyin phrase
_LOG_NAME = 1.0  # the user name
_LOG_SYLLABLE = 2.0  # each pinyin syllable of a name
_LOG_YEAR = 2.0
_LOG_DATE = 4.0  # a date, with or without separators
_LOG_NUMBER = 1.0  # a number that is a word
_LOG_AGAIN = 1.0  # a piece written earlier in the same password (Hutang@Hutang1)
# A date written with separators: 2024.01.01, 1985-06-12, 2024/1/1, 06-12.
_DATE = re.compile(r"(?:(?:19|20)?\d{2}[./-])?(?:0?[1-9]|1[0-2])[./-](?:0?[1-9]|[12]\d|3[01])")
_LOG_CHAR = {"lower": math.log10(26), "digit": 1.0, "symbol": math.log10(33), "other": math.log10(3000)}
MIN_GUESSES_LOG10 = 8.0  # zxcvbn's "safely unguessable" begins at 10^8 guesses; a login is locked after 5 failures


@functools.cache
def _common_words() -> frozenset[str]:
    """Django's 20,000 common passwords of three characters or more (abc123 and qwe123 as well as words)."""
    import django.contrib.auth.password_validation as django_validation

    listed = Path(django_validation.__file__).parent / "common-passwords.txt.gz"
    with gzip.open(listed, "rt", encoding="utf-8") as f:
        return frozenset(w for w in f.read().split() if len(w) >= 3)


def _char_log(ch: str) -> float:
    if ch.isascii() and ch.isalpha():
        return _LOG_CHAR["lower"]
    if ch.isdigit():
        return _LOG_CHAR["digit"]
    return _LOG_CHAR["symbol"] if ch.isascii() or ch.isspace() else _LOG_CHAR["other"]


def _digits_log(run: str) -> float | None:
    """A run of digits a guesser tries first: a year, a date, a number that is a word; None otherwise."""
    if not (run.isascii() and run.isdigit()):  # ፩፪ are digits to str.isdigit(), not to int() (helper-50: a 500)
        return None
    if run in COMMON_NUMBERS:
        return _LOG_NUMBER
    if len(run) == 4 and run[:2] in ("19", "20"):
        return _LOG_YEAR
    if len(run) in (4, 6, 8):  # mmdd / yymmdd / yyyymmdd
        month, day = int(run[-4:-2]), int(run[-2:])
        if len(run) == 4:
            month, day = int(run[:2]), int(run[2:])
        if 1 <= month <= 12 and 1 <= day <= 31:
            return _LOG_DATE
    return None


def _syllables(piece: str) -> int | None:
    """The fewest pinyin syllables the letters are, or None when they are no pinyin."""
    if not piece.isascii() or not piece.isalpha():
        return None
    n = len(piece)
    fewest: list[int | None] = [0] + [None] * n
    for end in range(1, n + 1):
        for size in range(1, min(6, end) + 1):
            before = fewest[end - size]
            better = fewest[end] is None or (before is not None and before + 1 < fewest[end])  # type: ignore[operator]
            if before is not None and better and piece[end - size : end] in PINYIN:
                fewest[end] = before + 1
    return fewest[n]


def _piece_log(piece: str, words: frozenset[str], name: str) -> float | None:
    """log10 of the guesses a guessable piece of two characters or more takes, or None when it is none."""
    size = len(piece)
    if len(set(piece)) == 1:
        return _LOG_CHAR["digit"] + math.log10(size)  # one character repeated
    for unit in range(2, size // 2 + 1):  # repeated: Aa1!Aa1!Aa1!, 168168, Zhangsan@2024Zhangsan@2024
        if size % unit == 0 and piece == piece[:unit] * (size // unit):
            return _guesses(piece[:unit], name) + math.log10(size // unit)
    options = []
    squeezed = piece.replace(" ", "")
    if squeezed != piece and squeezed and (squeezed in SITE_WORDS or squeezed in words):
        options.append(_LOG_SITE_WORD + 0.5)  # wo de mima
    if _DATE.fullmatch(piece):
        options.append(_LOG_DATE)
    for suffix in _PLACE_SUFFIXES:  # hutangzhen, wujinqu
        if piece.endswith(suffix) and piece[: -len(suffix)] in SITE_WORDS:
            options.append(_LOG_SITE_WORD + 0.5)
    if size >= 3 and piece.translate(_SHIFTED) in _WALK_TEXT:
        options.append(2.0 + math.log10(size))
    if name and len(name) >= 3 and piece == name:
        options.append(_LOG_NAME)
    if piece in SITE_WORDS or piece.translate(_LEET) in SITE_WORDS:
        options.append(_LOG_SITE_WORD)
    if 3 <= size <= _LONGEST_WORD and (piece in words or piece.translate(_LEET) in words):
        options.append(_LOG_WORD)
    if piece.isdigit() and (digits := _digits_log(piece)) is not None:
        options.append(digits)
    if size >= 2 and (syllables := _syllables(piece.translate(_LEET))) is not None:  # zhangsan, zh@ngs@n
        options.append(_LOG_SYLLABLE * syllables)
    if size <= 3 and not any(c.isalnum() for c in piece):
        options.append(2.0)  # !@# and its like after the digits
    return min(options) if options else None


def guesses_log10(password: str, username: str = "") -> float:
    """log10 of the guesses a guesser's rules take to reach the password: the cheapest way to cut it into pieces, each a
    common password or word (also in l33t: p@ssw0rd), a word of the site or a pinyin phrase, the user name, a pinyin
    name, a keyboard or keypad walk, a repeat, a year, a date, a number that is a word, or else a character on its
    own (26 letters, 10 digits, 33 symbols). In the spirit of zxcvbn, without its English dictionaries."""
    return _guesses(_folded(password)[:64], _folded(username))


@functools.lru_cache(maxsize=4096)
def _guesses(text: str, name: str) -> float:
    words = _common_words()
    n = len(text)
    best = [0.0] + [math.inf] * n  # best[i]: the fewest guesses (log10) for text[:i]
    for end in range(1, n + 1):
        best[end] = best[end - 1] + _char_log(text[end - 1])
        for start in range(max(0, end - 64), end - 1):
            piece = text[start:end]
            cost = _piece_log(piece, words, name)
            if len(piece) >= 3 and piece in text[:start]:  # written before in the same password
                cost = _LOG_AGAIN if cost is None else min(cost, _LOG_AGAIN)
            if cost is not None and best[start] + cost < best[end]:
                best[end] = best[start] + cost
    return best[n]


class CommonShapeValidator:
    """Not a common password by its shape: fewer than 10^8 guesses by guesses_log10."""

    def validate(self, password: str, user: Any = None) -> None:
        if guesses_log10(password, getattr(user, "username", "") or "") < MIN_GUESSES_LOG10:
            raise ValidationError(
                "密码过于常见：由常用单词、拼音、键盘上相邻的键、年份日期或常见数字拼成（如 Admin@123456、P@ssw0rd1234、"
                "1qaz@WSX3edc、Zhangsan@2024）的密码最先被猜到，请夹入不相关的字母、数字和符号",
                code="password_common_shape",
            )

    def get_help_text(self) -> str:
        return "不能是常用单词、拼音、键盘相邻键、年份日期或常见数字拼成的常见密码"
