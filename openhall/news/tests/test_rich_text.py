"""Articles as WeChat-style rich text: headings, lists, quotes and pictures survive; what comes
with a paste from Word or the WeChat editor, and every way of running a script, does not —
neither when saved nor when shown."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from openhall.news import services
from openhall.news.models import Article

pytestmark = pytest.mark.django_db

# What Word puts on the clipboard (trimmed): conditional comments with XML, a <style> block,
# mso- styles, classes, spans, <o:p> and a list drawn with paragraphs.
FROM_WORD = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta name=Generator content="Microsoft Word 15"><title>关于开展垃圾分类宣传的通知</title>
<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View></w:WordDocument></xml><![endif]-->
<style>p.MsoNormal{mso-style-parent:"";font-family:宋体}</style></head>
<body lang=ZH-CN style='tab-interval:21.0pt'><div class=WordSection1>
<h2 style='mso-outline-level:2'><span style='font-family:黑体'>一、活动时间</span></h2>
<p class=MsoNormal style='text-indent:21.0pt'><span lang=EN-US style='mso-bidi-font-size:10.5pt'>
2026</span><span style='font-family:宋体'>年12月5日上午9点</span><o:p></o:p></p>
<ul style='margin-top:0cm'><li class=MsoNormal style='mso-list:l0 level1 lfo1'>
<span style='font-family:宋体'>带好可回收物</span><o:p></o:p></li></ul>
<p class=MsoNormal><b><span style='color:red'>请准时参加</span></b><o:p>&nbsp;</o:p></p>
</div></body></html>"""

# What the WeChat editor (公众号后台) puts on the clipboard: sections and spans with inline
# styles, data- attributes, an image from its own CDN.
FROM_WECHAT = """<section style="margin: 0px; padding: 0px; box-sizing: border-box;"
data-role="outer" class="rich_media_content"><section data-tools="135编辑器" data-id="94">
<p style="text-align: center;"><span style="font-size: 18px; color: rgb(192, 0, 0);">
<strong>重阳敬老 温暖同行</strong></span></p>
<blockquote style="border-left: 3px solid #c00;"><p><span>百善孝为先</span></p></blockquote>
<p><img data-src="https://mmbiz.qpic.cn/mmbiz_jpg/abc/640" src="https://mmbiz.qpic.cn/abc/640"
 data-ratio="0.75" style="width: 100%;" class="rich_pages wxw-img"></p>
<ol><li><p><span style="font-size: 15px;">测血压</span></p></li></ol></section></section>"""

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src="/media/news/1/body/a.jpg" onerror="alert(1)">',
    '<a href="javascript:alert(1)">点我</a>',
    '<a href="JaVaScRiPt:alert(1)">点我</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<iframe src="https://example.com"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<img src="/media/../static/evil.svg">',
    '<img src="//evil.example/media/a.jpg">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<form action="https://evil.example"><button>提交</button></form>',
]


def save(center, by, body, **values):
    return services.article_save(
        center=center,
        by=by,
        values={"column": "notices", "title": "测试文章", "body": body, **values},
    )


def assert_harmless(html: str) -> None:
    lowered = html.lower()
    for bad in ("<script", "onerror", "onload", "javascript:", "data:", "<svg", "<iframe"):
        assert bad not in lowered, (bad, html)
    assert "style=" not in lowered and "<form" not in lowered
    assert "evil" not in lowered and "/static/" not in lowered


def test_headings_lists_quotes_and_our_own_pictures_survive_saving(olivia, center_a):
    body = (
        "<h2>一、活动安排</h2><h3>时间</h3><p>周六<strong>上午</strong><em>九点</em></p>"
        "<ul><li>带好身份证</li></ul><ol><li>签到</li><li>领取物资</li></ol>"
        "<blockquote><p>邻里守望，温暖同行。</p></blockquote>"
        '<p><img src="/media/news/1/body/0a1b2c.jpg" alt="活动现场"></p>'
        '<p><a href="https://www.gov.cn/">中国政府网</a></p>'
    )
    article = save(center_a, olivia, body)
    for kept in (
        "<h2>一、活动安排</h2>",
        "<h3>时间</h3>",
        "<strong>上午</strong>",
        "<em>九点</em>",
        "<ul><li>带好身份证</li></ul>",
        "<ol><li>签到</li><li>领取物资</li></ol>",
        "<blockquote><p>邻里守望，温暖同行。</p></blockquote>",
        '<img src="/media/news/1/body/0a1b2c.jpg" alt="活动现场">',
        'href="https://www.gov.cn/"',
    ):
        assert kept in article.body


def test_a_paste_from_word_keeps_the_text_and_structure_and_drops_the_junk(olivia, center_a):
    body = save(center_a, olivia, FROM_WORD).body.replace("\n", "")
    assert "<h2>一、活动时间</h2>" in body
    assert "<li>带好可回收物</li>" in body
    assert "<b>请准时参加</b>" in body
    assert "年12月5日上午9点" in body
    for junk in ("mso", "MsoNormal", "class=", "style=", "<span", "<o:p", "<!--", "宋体", "<xml"):
        assert junk not in body, junk
    assert "Normal" not in body and "WordDocument" not in body
    assert "关于开展垃圾分类宣传的通知" not in body  # the document's <title> is not text


def test_a_paste_from_the_wechat_editor_keeps_the_text_and_drops_the_styles(olivia, center_a):
    body = save(center_a, olivia, FROM_WECHAT).body.replace("\n", "")
    assert "<strong>重阳敬老 温暖同行</strong>" in body
    assert "<blockquote><p>百善孝为先</p></blockquote>" in body
    assert "测血压" in body and "<ol><li>" in body
    for junk in ("<section", "style=", "class=", "data-", "<span", "mmbiz", "<img"):
        assert junk not in body, junk


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attack_in_the_body_is_removed_when_saved(olivia, center_a, attack):
    assert_harmless(save(center_a, olivia, f"<p>正文</p>{attack}").body)


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attack_stored_around_the_services_is_removed_when_shown(
    olivia, adam, center_a, client, attack
):
    """A row written before today's rule, or by an import, is cleaned again on the page."""
    article = services.article_publish(article=save(center_a, olivia, "<p>正文</p>"), by=adam)
    Article.objects.filter(pk=article.pk).update(body=f"<p>正文</p>{attack}")
    page = client.get(f"/news/{article.pk}/").content.decode()
    prose = page.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    assert "正文" in prose
    assert_harmless(prose)
    client.force_login(olivia)
    editor = client.get(f"/console/c/{center_a.pk}/news/{article.pk}/").content.decode()
    preview = editor.split("data-phone-preview>", 1)[1].split("</div>", 1)[0]
    assert "正文" in preview
    assert_harmless(preview)


def jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0110] = "Phone Model X"  # Model
    Image.new("RGB", (3000, 2000), "red").save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_picture_uploaded_from_the_editor_is_re_encoded_and_kept_in_the_text(
    olivia, center_a, client
):
    client.force_login(olivia)
    upload = SimpleUploadedFile("现场.jpg", jpeg_with_exif(), content_type="image/jpeg")
    response = client.post(f"/console/c/{center_a.pk}/news/pictures/", {"picture": upload})
    assert response.status_code == 200
    url = response.json()["url"]
    assert url.startswith(settings.MEDIA_URL) and url.endswith(".jpg") and "现场" not in url
    stored = Path(settings.MEDIA_ROOT) / url.removeprefix(settings.MEDIA_URL)
    with Image.open(stored) as picture:
        assert max(picture.size) == 1200  # resized
        assert not picture.getexif()  # no phone model, no position
    body = save(center_a, olivia, f'<p>现场照片</p><p><img src="{url}"></p>').body
    assert f'<img src="{url}">' in body


def test_a_file_that_is_not_a_picture_is_refused_in_words(olivia, center_a, client):
    client.force_login(olivia)
    upload = SimpleUploadedFile("x.jpg", b"<svg onload=alert(1)>", content_type="image/jpeg")
    response = client.post(f"/console/c/{center_a.pk}/news/pictures/", {"picture": upload})
    assert response.status_code == 422 and "JPG" in response.json()["message"]
    assert not (Path(settings.MEDIA_ROOT) / "news").exists()


def test_only_the_centers_writers_may_upload_pictures(oscar, center_a, client, tom):
    picture = jpeg_with_exif()
    for person in (oscar, tom):
        client.force_login(person)
        upload = SimpleUploadedFile("a.jpg", picture, content_type="image/jpeg")
        response = client.post(f"/console/c/{center_a.pk}/news/pictures/", {"picture": upload})
        assert response.status_code in (302, 403, 404)
    assert not (Path(settings.MEDIA_ROOT) / "news").exists()


def test_the_editor_page_works_without_javascript(olivia, center_a, client):
    """The body is a plain textarea the script enhances; the form posts without it."""
    client.force_login(olivia)
    page = client.get(f"/console/c/{center_a.pk}/news/new/").content.decode()
    assert "<textarea" in page and "data-rich-text" in page
    assert 'class="phone-frame"' in page and "vendor/quill/quill.js" in page
    response = client.post(
        f"/console/c/{center_a.pk}/news/new/",
        {"column": "notices", "title": "无脚本", "body": "<h2>标题</h2><ul><li>一</li></ul>"},
    )
    assert response.status_code == 302
    assert Article.objects.get().body == "<h2>标题</h2><ul><li>一</li></ul>"


@pytest.fixture
def pictures_elsewhere(settings, tmp_path):
    """Pictures served from another address, as from an S3 bucket (there with a signature that
    expires): a storage whose URLs are not under MEDIA_URL."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "https://bucket.example/public/"},
        },
    }


def test_a_picture_is_stored_by_its_path_and_shown_by_the_storages_url(
    pictures_elsewhere, olivia, adam, center_a, client
):
    signed = (
        "https://bucket.example/public/news/1/body/ab12.jpg?X-Amz-Signature=abc&X-Amz-Expires=1"
    )
    article = save(center_a, olivia, f'<p>现场</p><img src="{signed}">')
    # Stored without the URL of the day: a signature that expires would break the article.
    assert '<img src="/media/news/1/body/ab12.jpg">' in article.body
    services.article_publish(article=article, by=adam)
    page = client.get(f"/news/{article.pk}/").content.decode()
    assert '<img src="https://bucket.example/public/news/1/body/ab12.jpg">' in page
    client.force_login(olivia)
    editor = client.get(f"/console/c/{center_a.pk}/news/{article.pk}/").content.decode()
    assert "https://bucket.example/public/news/1/body/ab12.jpg" in editor.split("<textarea", 1)[1]
    # Another bucket, or another path on it, is not ours.
    other = save(center_a, olivia, '<img src="https://other.example/public/news/1/body/ab12.jpg">')
    assert "<img" not in other.body
