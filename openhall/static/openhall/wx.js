// Inside WeChat only (the server includes this file for WeChat's browser): wx.config for share
// cards and the <wx-open-subscribe> tag. Anything failing here leaves the page as it was.
(function () {
  "use strict";
  var wx = window.wx;
  if (!wx) return;
  var meta = function (name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.content : "";
  };
  var url = location.href.split("#")[0];
  fetch("/wechat/jssdk/?url=" + encodeURIComponent(url), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
    .then(function (cfg) {
      wx.config({
        debug: false, appId: cfg.appId, timestamp: cfg.timestamp, nonceStr: cfg.nonceStr,
        signature: cfg.signature, jsApiList: cfg.jsApiList, openTagList: cfg.openTagList
      });
      wx.ready(function () {
        var card = {
          title: meta("share-title") || document.title, desc: meta("share-desc"),
          link: url, imgUrl: new URL(meta("share-image") || "/static/openhall/favicon.svg", url).href
        };
        wx.updateAppMessageShareData(card);
        wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
      });
    })
    .catch(function () { /* not configured, or the signature failed: share as a plain link */ });

  // The popup's answer also reaches the server as subscribe_msg_popup_event; this only tells
  // the resident what happened.
  document.querySelectorAll("wx-open-subscribe").forEach(function (tag) {
    var note = document.getElementById(tag.dataset.note);
    tag.addEventListener("success", function (e) {
      var details = {};
      try { details = JSON.parse(e.detail.subscribeDetails); } catch (err) { /* keep empty */ }
      var accepted = Object.keys(details).some(function (id) {
        var d = details[id];
        return (typeof d === "string" ? JSON.parse(d) : d).status === "accept";
      });
      if (note) note.textContent = accepted ? note.dataset.accepted : note.dataset.declined;
    });
    tag.addEventListener("error", function () {
      if (note) note.textContent = note.dataset.failed;
    });
  });
})();
