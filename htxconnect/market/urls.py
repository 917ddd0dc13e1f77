from django.urls import path

from . import views

app_name = "market"

urlpatterns = [
    path("", views.board, name="board"),
    path("mine/", views.mine, name="mine"),
    path("buyers/new/", views.buyer_create, name="buyer_create"),
    path("offers/new/", views.offer_create, name="offer_create"),
    path("offers/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/close/", views.offer_close, name="offer_close"),
    path("demands/new/", views.demand_create, name="demand_create"),
    path("demands/<int:pk>/", views.demand_detail, name="demand_detail"),
    path("demands/<int:pk>/close/", views.demand_close, name="demand_close"),
    path("connections/", views.connection_list, name="connection_list"),
    path("connections/request/", views.connection_request, name="connection_request"),
    path("connections/<int:pk>/", views.connection_detail, name="connection_detail"),
    path("connections/<int:pk>/accept/", views.connection_accept, name="connection_accept"),
    path("connections/<int:pk>/stage/", views.connection_stage, name="connection_stage"),
    path("connections/<int:pk>/messages/", views.connection_message, name="connection_message"),
    path("connections/<int:pk>/reminder/", views.connection_reminder, name="connection_reminder"),
    path("connections/<int:pk>/deal/", views.deal_create, name="deal_create"),
    path("deals/<int:pk>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/contract.docx", views.deal_docx, name="deal_docx"),
    path("deals/<int:pk>/deliveries/", views.delivery_add, name="delivery_add"),
    path("deals/<int:pk>/apply/", views.deal_apply, name="deal_apply"),
    path("vocabulary/", views.vocabulary, name="vocabulary"),
    path("stats/", views.stats, name="stats"),
]
