from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sanluanwu.accounts.decorators import requires
from sanluanwu.core import params
from sanluanwu.notices import services
from sanluanwu.notices.queries import notices_for


@requires(GET="notice.view", POST="notice.view")
def notice_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [n for v in request.POST.getlist("id") if (n := params.pk(v))][:500]
        services.mark_read(actor=request.user, notice_ids=ids or None)
        return redirect("notices:list")
    notices = notices_for(request.user)
    return render(request, "notices/list.html", {"notices": notices[:200], "unread": notices.filter(
        read_at__isnull=True).count()})  # fmt: skip
