from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("tin-tuc/", views.article_list, name="article_list"),
    path("tin-tuc/<slug:slug>/", views.article_detail, name="article_detail"),
    path("mo-hinh-diem/", views.showcase_list, name="showcase_list"),
    path("mo-hinh-diem/<int:pk>/", views.showcase_detail, name="showcase_detail"),
    path("van-ban/", views.library, name="library"),
    path("thong-ke/", views.statistics_page, name="statistics"),
    path("quan-tri/", views.manage, name="manage"),
    path("quan-tri/bai-viet/moi/", views.article_create, name="article_create"),
    path("quan-tri/bai-viet/<int:pk>/", views.article_edit, name="article_edit"),
    path("quan-tri/anh/", views.image_upload, name="image_upload"),
    path("quan-tri/mo-hinh-diem/moi/", views.showcase_create, name="showcase_create"),
    path("quan-tri/mo-hinh-diem/<int:pk>/", views.showcase_edit, name="showcase_edit"),
]
