"""The REST API at /api/v1/: one NinjaAPI, each app adds its router here."""

from ninja import NinjaAPI

api = NinjaAPI(title="HTX Connect API", version="1", urls_namespace="api")
