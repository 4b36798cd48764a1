// Position capture for the look-back (work list sorting, inspection position). No inline script: CSP-safe.
(function () {
  function locate(onDone, onError) {
    if (!navigator.geolocation) { onError("此浏览器不支持定位"); return; }
    navigator.geolocation.getCurrentPosition(function (pos) { onDone(pos.coords); },
      function (err) {
        var why = {1: "未允许本网站使用位置（可在浏览器设置中允许）", 2: "暂时无法确定位置", 3: "定位超时"}[err.code];
        onError("无法获取位置：" + (why || "定位失败"));
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("position-status");
    if (status && status.getAttribute("data-located") === "0") {
      locate(function (c) {
        var url = new URL(window.location.href);
        url.searchParams.set("lon", c.longitude.toFixed(6));
        url.searchParams.set("lat", c.latitude.toFixed(6));
        url.searchParams.set("acc", Math.round(c.accuracy));
        window.location.replace(url.toString());
      }, function (msg) { status.textContent = msg + "；按村和名称排序。"; });
    }
    var button = document.getElementById("locate");
    var form = document.getElementById("inspection-form");
    if (button && form) {
      var geo = document.getElementById("geo-status");
      var fill = function () {
        geo.textContent = "正在获取位置……";
        locate(function (c) {
          form.elements["longitude"].value = c.longitude.toFixed(6);
          form.elements["latitude"].value = c.latitude.toFixed(6);
          form.elements["accuracy_m"].value = Math.round(c.accuracy);
          geo.textContent = "当前位置：" + c.longitude.toFixed(6) + ", " + c.latitude.toFixed(6) + "（精度约 " + Math.round(c.accuracy) + " 米），保存后计算与登记位置的距离";
        }, function (msg) { geo.textContent = msg; });
      };
      button.addEventListener("click", fill);
      if (!form.elements["longitude"].value) { fill(); }
      ["env_problems", "safety_problems", "other_problems"].forEach(function (name) {
        form.elements[name].addEventListener("input", function () { form.elements["findings_edited"].value = "1"; });
      });
    }
  });
})();
