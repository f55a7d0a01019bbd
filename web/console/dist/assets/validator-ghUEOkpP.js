import{cy as i}from"./index-C5NfIa3M.js";const n=o=>["",...i].includes(o);export{n as i};
