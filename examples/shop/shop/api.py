"""A FastAPI endpoint with a Pydantic schema, SQLAlchemy audit table and a few data flows."""
import hashlib
import logging

import mixpanel
import requests
from pydantic import BaseModel, EmailStr
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

log = logging.getLogger(__name__)
Base = declarative_base()
tracker = mixpanel.Mixpanel("token")
HUBSPOT_URL = "https://api.hubapi.com/crm/v3/objects/contacts"


class SignupIn(BaseModel):
    email: EmailStr
    full_name: str
    send_newsletter: bool = False


class LoginAudit(Base):
    __tablename__ = "login_audit"
    id = Column(Integer, primary_key=True)
    ip_address = Column(String(45))  # gdpr: retention=P90D basis=legitimate-interests


def describe(customer) -> str:
    return f"{customer.full_name} <{customer.email}>"


def signup(body: SignupIn) -> None:
    log.info("signup request for newsletter=%s", body.send_newsletter)
    log.info("new customer %s", describe(body))
    digest = hashlib.sha256(body.email.encode()).hexdigest()
    log.info("customer hash %s", digest)
    tracker.people_set(digest, {"$email": body.email})
    requests.post(HUBSPOT_URL, json={"email": body.email}, timeout=5)
    requests.post("http://crm.internal/contacts", json={"email": body.email}, timeout=5)
    if "@" not in body.email:
        raise ValueError(f"bad address {body.email}")
